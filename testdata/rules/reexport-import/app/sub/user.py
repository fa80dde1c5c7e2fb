"""Relative imports through the package's own facade: fixed relative."""
from .. import Order  # expect: reexport-import
from ..api import handler  # expect: reexport-import
from . import nothing_here

USED = (Order, handler, nothing_here)
