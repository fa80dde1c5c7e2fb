"""Relative imports through the package's own facade: fixed relative."""
from ..core.models import Order  # expect: reexport-import
from ..core.views import handler  # expect: reexport-import
from . import nothing_here

USED = (Order, handler, nothing_here)
