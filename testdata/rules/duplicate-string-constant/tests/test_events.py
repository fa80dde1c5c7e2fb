ONLY_HERE = "unique value"  # near-miss: test files do not count
