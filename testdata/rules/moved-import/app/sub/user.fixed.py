from app.websocket.factory import create_manager  # expect: moved-import


def lazy():
    from app.metrics import Collector as CacheMetricsCollector  # expect: moved-import
    return create_manager, CacheMetricsCollector
