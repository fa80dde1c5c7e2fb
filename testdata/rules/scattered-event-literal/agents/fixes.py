"""Each literal's fix depends on what holds its value in shared/events.py."""
from __future__ import annotations

from shared.events import AGENT_STARTED


def emit(send):
    send("agent_started")  # expect: scattered-event-literal
    send("tool_executing")  # expect: scattered-event-literal
    send("agent_thinking")  # expect: scattered-event-literal
    send("tool_completed")  # expect: scattered-event-literal
    send("custom_kind")  # expect: scattered-event-literal
    send("orphan_event")  # expect: scattered-event-literal
    return AGENT_STARTED


def glued():
    return"tool_executing"  # expect: scattered-event-literal
