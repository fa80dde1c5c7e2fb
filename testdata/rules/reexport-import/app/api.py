"""A module that re-exports, and defines one name it also imports."""
from app.core.views import handler
from app.core import Ledger
from .core.models import Order
import app.core.models as models_module
from app.registry import mapper

try:
    from app.util import slugify
except ImportError:
    def slugify(text):
        return text


def itself():
    # A module importing from itself goes through no one.
    from app.api import handler
    return handler
