"""Imports through re-exports, and near-misses."""
from typing import TYPE_CHECKING

from app.core.models import Order  # expect: reexport-import
from app.core.models import Customer as Client  # expect: reexport-import
from app.core.models import Order as O  # expect: reexport-import
from app.core.models import Customer  # expect: reexport-import
from app.compat import dumps  # expect: reexport-import
from app.compat import Session  # expect: reexport-import
from app.core.views import handler  # expect: reexport-import
from app.core import Ledger  # expect: reexport-import
from app.core import models as models_module  # expect: reexport-import
from app.core import models  # expect: reexport-import
from app.registry import mapper  # expect: reexport-import
from app.core import views as views_module  # expect: reexport-import
from app import Order, VERSION  # expect: reexport-import
from app.core.models import (
    Order as First,  # expect: reexport-import
    Customer as Second,  # expect: reexport-import
)

if TYPE_CHECKING:
    from app.core.models import Order as Typed  # expect: reexport-import

try:
    from app.core.models import Order as Optional  # expect: reexport-import
except ImportError:
    Optional = None


def late():
    from app.core.models import Order  # expect: reexport-import
    return Order


# Near-misses: a submodule of the package, a name that is both a submodule and bound otherwise,
# public API (a redundant alias, `__all__`), a name the module defines (also when it imports it
# too), a star import, the definer itself, a loop, a name bound nowhere, a module `modules` does
# not match, an external module.
from app import util
from app.registry import mapper as shadowed
from app.registry import mapperlib
from app import Invoice
from app import Refund
from app import VERSION
from app.api import slugify
from app import Circle
from app.core.models import Order as Direct
from app.core import Ledger
from app.loop_a import ring
from app import missing
from lib import thing
from json import loads

USED = (Order, Client, O, Customer, dumps, Session, handler, Ledger, models_module, VERSION, First, Second)
MORE = (models, util, mapper, shadowed, mapperlib, views_module, Invoice, Refund, slugify, Circle, Direct, ring, missing, thing, loads, Optional)
