"""Imports of the services from the shared library break the forbidden contract."""
from billing.rates import RATES  # expect: import-contract
import db.models
from api import views  # expect: import-contract


def convert(amount):
    from billing import rates  # expect: import-contract
    return amount, RATES, rates, db.models, views
