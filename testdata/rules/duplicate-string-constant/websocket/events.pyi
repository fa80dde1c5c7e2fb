# A stub restates its module (`events.py` beside it): one definition, never a duplicate.
class EventType:
    AGENT_STARTED = "agent_started"

PRIMARY = "blue"
STUB_ONLY = "defined in the stub alone"
