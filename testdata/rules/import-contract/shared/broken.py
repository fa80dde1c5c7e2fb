"""A file with a syntax error: its breach says what could not be read."""
from billing import rates  # expect: import-contract


def broken(:
    return rates
