# Implicit concatenation only: this file holds no event name as one piece of text and no
# backslash, yet its literals' values are event names.
first = "tool_" "executing"  # expect: scattered-event-literal
second = ("agent"  # expect: scattered-event-literal
          '_' "started")
third = "" "tool_executing" ""  # expect: scattered-event-literal
# Near-misses: the pieces alone, and a concatenation with an f-string.
pieces = ["tool_", "executing"]
formatted = "tool_" f"executing"
