values = [1, 2,  # expect: parse-error
