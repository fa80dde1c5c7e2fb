# Implicit concatenation only: this file holds no event name as one piece of text and no
# backslash, yet its literals' values are event names.
from shared.events import TOOL_EXECUTING
first = TOOL_EXECUTING  # expect: scattered-event-literal
second = ("agent"  # expect: scattered-event-literal
          '_' "started")
third = TOOL_EXECUTING  # expect: scattered-event-literal
# Near-misses: the pieces alone, and a concatenation with an f-string.
pieces = ["tool_", "executing"]
formatted = "tool_" f"executing"
