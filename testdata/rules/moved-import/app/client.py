"""Imports of paths the registry says moved, and near-misses."""
from app.websocket_manager_factory import create_manager  # expect: moved-import
import app.websocket_manager_factory as factory  # expect: moved-import
import app.websocket_manager_factory  # expect: moved-import
from app.db import CacheMetricsCollector  # expect: moved-import
from app.db import CacheMetricsCollector as Metrics  # expect: moved-import
from app.db import (
    CacheMetricsCollector as Both,  # expect: moved-import
    other,
)
# The longest old path wins: the name's own entry, not its module's.
from app.legacy import Manager  # expect: moved-import
from app.legacy import factory as legacy_factory  # expect: moved-import

# Near-misses: the new paths, other names of the old module's package, text.
from app.db import unrelated
from app.websocket import factory as new_factory
from app.websocket.factory import create_manager as again
text = "from app.websocket_manager_factory import create_manager"

USED = (create_manager, factory, app, Metrics, Both, other, unrelated, new_factory, again)
