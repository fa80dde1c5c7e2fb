# expect: unused-suppression
import os

value = os.getenv("X")  # ssot: ignore[direct-env-access]
