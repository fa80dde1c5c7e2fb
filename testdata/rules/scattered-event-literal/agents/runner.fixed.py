"""Near-miss: a docstring that is exactly an event name is still a docstring."""
from shared.events import AGENT_STARTED, TOOL_EXECUTING


async def run(notifier, payload, d):
    await notifier.send(TOOL_EXECUTING, payload)  # expect: scattered-event-literal
    await notifier.send(AGENT_STARTED)  # expect: scattered-event-literal
    kind = {AGENT_STARTED: 1}  # expect: scattered-event-literal
    joined = TOOL_EXECUTING  # expect: scattered-event-literal
    escaped = TOOL_EXECUTING  # expect: scattered-event-literal
    named = AGENT_STARTED  # expect: scattered-event-literal
    inner = f"{d['tool_executing']}"  # expect: scattered-event-literal
    match kind:
        case "agent_started":  # expect: scattered-event-literal
            pass
    # Near-misses.
    text = f"tool_executing"
    data = b"tool_executing"
    other = "tool_executing_v2"
    upper = "TOOL_EXECUTING"
    hyphen = "agent\N{HYPHEN-MINUS}started"
    raw = r"agent\N{LOW LINE}started"
    # "tool_executing" in a comment


class Handler:
    "agent_started"

    def handle(self):
        """tool_executing"""
        return "ok"


def first_tuple():
    AGENT_STARTED,  # expect: scattered-event-literal


class Parenthesized:
    ("tool_executing")
