"""The package's facade: what it re-exports, and how."""
from app.core.models import Order
from .core.models import Customer as Client
from .core import models
from .core.models import Invoice as Invoice
from .core.models import Refund
from .compat import dumps, Session
from .core.views import handler  # expect: reexport-import
from .shapes import *

VERSION = "1"

__all__ = ["Refund", "VERSION"]
