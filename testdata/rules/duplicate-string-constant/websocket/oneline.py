class Inline: SEMI = "semicolon value"  # expect: duplicate-string-constant
