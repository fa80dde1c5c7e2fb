"""A local assigned later in the same function is not bound yet (UnboundLocalError)."""
from unittest.mock import patch


def assigned_later():
    first = Mock  # expect: missing-mock-import
    Mock = 1
    return first, Mock  # near-miss: assigned above


def shadows_module():
    value = patch  # expect: missing-mock-import
    patch = 2
    return value


def assigned_before():
    call = 1
    return call  # near-miss


def nested():
    sentinel = 1

    def inner():
        return sentinel  # near-miss: the enclosing function binds it

    return inner


def loop():
    for _ in range(2):
        print(ANY)  # expect: missing-mock-import
        ANY = 1
