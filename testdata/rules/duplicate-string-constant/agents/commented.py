COMMENTED = "commented value"  # expect: duplicate-string-constant
