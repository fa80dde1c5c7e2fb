"""The canonical events: `__all__` decides what a star import takes."""
__all__ = ["AGENT_STARTED", "publish"]

AGENT_STARTED = "agent_started"
_PRIVATE = "private"


def publish(event):
    return event
