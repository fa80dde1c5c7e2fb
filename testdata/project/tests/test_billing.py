# ssot: ignore-file[relative-import]
from .helpers import make_card
from os import environ


def test_charge():
    environ["STRIPE_KEY"] = "sk_test"
    assert make_card()
