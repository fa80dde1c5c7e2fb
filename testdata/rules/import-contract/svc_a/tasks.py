"""Imports the other service: breaks the independence contract."""
from svc_b.jobs import run  # expect: import-contract
import billing.rates
