"""Imports orders, which imports this module only under TYPE_CHECKING or inside a function."""
from shop.orders import Order


class Report:
    order = Order


def summary(order):
    return order
