from unittest.mock import MagicMock

client = MagicMock()  # expect: magic-none


def test_send():
    sender = MagicMock(return_value=None)  # expect: magic-none
    return sender, MagicMock


class TestThing:
    attribute = MagicMock  # expect: magic-none

    def method(self):
        return self.MagicNone  # near-miss: an attribute, not a name
