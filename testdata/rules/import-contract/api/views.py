"""The highest layer may import every lower one."""
from billing.rates import RATES


def render():
    return RATES
