"""The canonical definitions: literals are allowed here."""
TOOL_EXECUTING = "tool_executing"
AGENT_STARTED = "agent_started"
