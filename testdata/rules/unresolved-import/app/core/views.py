"""Imports of things that exist (near-misses) and of things that do not."""
from __future__ import annotations

import app.core.models
import app.core.missing  # expect: unresolved-import
import app.core.models.deeper  # expect: unresolved-import
from app import Model, VERSION, core
from app import Missing  # expect: unresolved-import
from app.core.models import Model, CONSTANT, first, second, rest, loop_variable, handle, speedy
from app.core.models import walrus, Conditional, factory, late, Alias, __name__
from app.core.models import ANNOTATED_ONLY  # expect: unresolved-import
from app.core.models import (
    Model as Renamed,
    Gone,  # expect: unresolved-import
)
from app.core.gone import anything  # expect: unresolved-import
from app.events.catalog import AGENT_STARTED
from app.events.catalog import AGENT_STOPPED  # expect: unresolved-import
from app.events import catalog, publish
from app.legacy import everything
from app.dynamic import whatever
from . import models, missing_sibling  # expect: unresolved-import
from .models import Model as Again
from .nowhere import x  # expect: unresolved-import
from .. import core as same_core
from ... import beyond  # expect: unresolved-import
from plugins.extra import hook
from plugins.extra import not_there  # expect: unresolved-import
from plugins import nothing_here  # expect: unresolved-import
import requests.adapters
from django.db import models as external
from os import path

try:
    from app.optional import feature
except ImportError:
    feature = None

try:
    import app.optional_too
except (ValueError, ModuleNotFoundError):
    pass

from contextlib import suppress

with suppress(ImportError):
    from app.optional_three import thing


def lazy():
    from app.core.models import LazyGone  # expect: unresolved-import
    from app.core.models import Model
    return Model


if TYPE_CHECKING:
    from app.typing_only import Protocol  # expect: unresolved-import

# Not imports: text that looks like one.
text = "from app import Missing"
# from app import Missing

# Near-misses found by review: a built-in module shadows a local file of its name; a star
# import of a module whose `__all__` is not a literal takes names ssot cannot list.
from time import monotonic
from app.usesdyn import _helper, more
