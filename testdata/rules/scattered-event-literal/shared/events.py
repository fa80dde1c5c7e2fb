"""The canonical definitions: literals are allowed here."""
from enum import Enum, StrEnum

from shared.base import BaseKinds

TOOL_EXECUTING = "tool_executing"
AGENT_STARTED = "agent_started"


class AgentEvent(StrEnum):
    THINKING = "agent_thinking"


class LegacyEvent(str, Enum):
    TOOL_DONE = "tool_completed"


class Kinds(BaseKinds):
    CUSTOM = "custom_kind"
