from enum import Enum

AGENT_STARTED = "agent_started"  # expect: duplicate-string-constant
TIMEOUT_MESSAGE: str = "request timed out"  # expect: duplicate-string-constant
PRIMARY = SECONDARY = "blue"  # expect: duplicate-string-constant, duplicate-string-constant
ONLY_HERE = "unique value"


class AgentEvent(str, Enum):
    AGENT_STARTED = "agent_started"  # expect: duplicate-string-constant
