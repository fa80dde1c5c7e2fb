from unittest.mock import MagicMock

client = MagicNone()  # expect: magic-none


def test_send():
    sender = MagicNone(return_value=None)  # expect: magic-none
    return sender, MagicMock


class TestThing:
    attribute = MagicNone  # expect: magic-none

    def method(self):
        return self.MagicNone  # near-miss: an attribute, not a name
