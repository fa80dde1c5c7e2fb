COMMENTED = ("commented value"  # expect: duplicate-string-constant
             # a comment inside the parentheses is not part of the value
)
