import unittest
from unittest.mock import MagicMock, ANY, create_autospec, mock_open, patch, seal

setup = patch("acme.client.send")  # expect: missing-mock-import


class TestClient(unittest.TestCase):
    Mock = MagicMock
    fixture = Mock()  # near-miss: bound earlier in the class body

    def test_send(self):
        client = Mock()  # expect: missing-mock-import
        with patch.object(client, "send") as send:  # expect: missing-mock-import
            send.assert_has_calls([call(1), call(2)])  # expect: missing-mock-import, missing-mock-import
        # `sentinel` is bound by `global` in uses_global() below, so only three are missing.
        return ANY, sentinel.token, mock_open(), create_autospec(client)  # expect: missing-mock-import, missing-mock-import, missing-mock-import


def test_later_import():
    return AsyncMock(), PropertyMock  # near-miss: imported below, the body runs later


from unittest.mock import AsyncMock, PropertyMock

early = NonCallableMock  # expect: missing-mock-import
from unittest.mock import NonCallableMock

late = NonCallableMock  # near-miss: bound above
del NonCallableMock
gone = NonCallableMock  # expect: missing-mock-import


def test_scopes(DEFAULT=None):
    seal(DEFAULT)  # expect: missing-mock-import
    values = [NonCallableMagicMock for NonCallableMagicMock in range(3)]
    return values, [x for x in NonCallableMagicMock]  # expect: missing-mock-import


def outer():
    call = print

    def inner():
        return call  # near-miss: bound in the enclosing function

    return inner


def uses_global():
    global sentinel
    sentinel = object()


def reads_global():
    return sentinel  # near-miss: bound by `global` in another function
