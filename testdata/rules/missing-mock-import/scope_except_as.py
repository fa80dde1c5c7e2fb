"""The name bound by `except … as x` is unbound again when the handler ends."""
try:
    pass
except ValueError as Mock:
    print(Mock)  # near-miss: bound inside the handler
print(Mock)  # expect: missing-mock-import

from unittest.mock import patch

try:
    pass
except ValueError as patch:
    pass
print(patch)  # near-miss: the earlier binding is what pyflakes sees again


def handler():
    try:
        pass
    except OSError as call:
        pass
    return call  # expect: missing-mock-import


def reads_later():
    return ANY  # expect: missing-mock-import


try:
    pass
except KeyError as ANY:
    pass


def handler_in_loop(items):
    for item in items:
        try:
            item()
        except TypeError as sentinel:
            print(sentinel)  # near-miss: inside the handler
    return sentinel  # expect: missing-mock-import
