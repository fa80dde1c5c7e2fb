"""Billing may import the database (a lower layer), but reaches api through it."""
from db.models import Rate  # expect: import-contract

RATES = [Rate]
