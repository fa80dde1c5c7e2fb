"""Near-miss: `os` is bound here, but not to the os module, so `os.environ` is someone else's."""
from fakes import os

value = os.environ["TOKEN"]
