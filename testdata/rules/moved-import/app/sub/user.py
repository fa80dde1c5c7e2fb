from ..websocket_manager_factory import create_manager  # expect: moved-import


def lazy():
    from app.db import CacheMetricsCollector  # expect: moved-import
    return create_manager, CacheMetricsCollector
