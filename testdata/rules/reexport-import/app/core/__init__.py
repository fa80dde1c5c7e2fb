"""A package that offers one name as public API."""
from .models import Ledger
from . import views as views_module

__all__ = ["Ledger"]
