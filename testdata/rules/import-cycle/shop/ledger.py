from shop.billing import charge  # expect: import-cycle

ENTRIES = [charge]
