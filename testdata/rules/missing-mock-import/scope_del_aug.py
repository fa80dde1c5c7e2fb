"""`del` and augmented assignment of names that were never bound, or are no longer."""
from unittest.mock import Mock

del MagicMock  # expect: missing-mock-import
patch += 1  # expect: missing-mock-import
call = 0
call += 1  # near-miss: bound just above
del Mock
del Mock  # expect: missing-mock-import


def deletes_a_global():
    del ANY  # expect: missing-mock-import


def deletes_its_own():
    sentinel = 1
    del sentinel
    return sentinel  # expect: missing-mock-import


def augments_unbound():
    seal += 1  # expect: missing-mock-import
    return seal


def augments_the_module_name():
    call += 1  # expect: missing-mock-import
    return call


def declares_global():
    global call
    call += 1  # near-miss: `global` makes it the module's


class Counter:
    DEFAULT += 1  # expect: missing-mock-import
    mock_open = 0
    mock_open += 1  # near-miss: bound in the class body above
