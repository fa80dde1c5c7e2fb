"""Imports of paths the registry says moved, and near-misses."""
from app.websocket.factory import create_manager  # expect: moved-import
import app.websocket.factory as factory  # expect: moved-import
import app.websocket.factory  # expect: moved-import
from app.metrics import Collector as CacheMetricsCollector  # expect: moved-import
from app.metrics import Collector as Metrics  # expect: moved-import
from app.db import (
    CacheMetricsCollector as Both,  # expect: moved-import
    other,
)

# Near-misses: the new paths, other names of the old module's package, text.
from app.db import unrelated
from app.websocket import factory as new_factory
from app.websocket.factory import create_manager as again
text = "from app.websocket_manager_factory import create_manager"

USED = (create_manager, factory, app, Metrics, Both, other, unrelated, new_factory, again)
