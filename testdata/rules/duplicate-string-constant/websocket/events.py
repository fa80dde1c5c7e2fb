class EventType:
    AGENT_STARTED = "agent_started"  # expect: duplicate-string-constant

    class Nested:
        TIMEOUT_MESSAGE = ("request timed out")  # expect: duplicate-string-constant


PRIMARY = "blue"  # expect: duplicate-string-constant
SECONDARY = "blue"  # expect: duplicate-string-constant

# Near-misses: different value, lower case, too short, not at module or class level.
ONLY_HERE = "another value"
agent_started = "agent_started"
OK = "ok"
OK2 = "ok"
if True:
    AGENT_STARTED_TOO = "agent_started"


def make():
    AGENT_STARTED = "agent_started"
    return AGENT_STARTED


NOT_A_STRING = 3
FORMATTED = f"agent_started"
