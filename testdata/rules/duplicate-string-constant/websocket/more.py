OK2 = "ok"
FORMATTED = f"agent_started"
NOT_A_STRING = 3
