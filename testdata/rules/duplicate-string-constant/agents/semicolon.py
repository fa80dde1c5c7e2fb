import os; SEMI = "semicolon value"  # expect: duplicate-string-constant
