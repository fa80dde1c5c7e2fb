"""A name used in a `try` body that catches `NameError` is guarded."""
from unittest.mock import ANY, call, mock_open, seal, sentinel
try:
    Mock
except NameError:
    Mock = None

try:
    patch()
except (ImportError, NameError):
    pass

try:
    call()  # expect: missing-mock-import
except Exception:
    pass

try:
    ANY  # expect: missing-mock-import
except:  # noqa: E722
    print(sentinel)  # expect: missing-mock-import

try:
    try:
        seal()  # expect: missing-mock-import
    except KeyError:
        pass
except NameError:
    pass


def in_function():
    try:
        return DEFAULT
    except NameError:
        return None


try:

    def defined_in_guard():
        return mock_open  # expect: missing-mock-import

except NameError:
    pass
