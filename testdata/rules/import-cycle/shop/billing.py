"""Three modules in one cycle: each import on it is reported once, with the shortest cycle."""
import shop.orders  # expect: import-cycle
import shop.ledger  # expect: import-cycle


def charge(order):
    return shop.orders, shop.ledger, order
