"""Each literal's fix depends on what holds its value in shared/events.py."""
from __future__ import annotations

from shared.events import AGENT_STARTED, AgentEvent, LegacyEvent, TOOL_EXECUTING


def emit(send):
    send(AGENT_STARTED)  # expect: scattered-event-literal
    send(TOOL_EXECUTING)  # expect: scattered-event-literal
    send(AgentEvent.THINKING.value)  # expect: scattered-event-literal
    send(LegacyEvent.TOOL_DONE.value)  # expect: scattered-event-literal
    send("custom_kind")  # expect: scattered-event-literal
    send("orphan_event")  # expect: scattered-event-literal
    return AGENT_STARTED


def glued():
    return TOOL_EXECUTING  # expect: scattered-event-literal
