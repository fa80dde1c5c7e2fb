"""A lambda inside a comprehension sees the comprehension's variables."""
from unittest.mock import ANY
handlers = [lambda: Mock for Mock in range(3)]  # near-miss
defaults = [lambda x=patch: x for patch in range(3)]  # near-miss
mapping = {call: (lambda: call) for call in range(3)}  # near-miss
outside = [lambda: ANY for x in range(3)]  # expect: missing-mock-import
generator = (lambda: (lambda: sentinel) for sentinel in range(3))  # near-miss


def in_function():
    return [lambda: seal() for seal in range(3)]  # near-miss
