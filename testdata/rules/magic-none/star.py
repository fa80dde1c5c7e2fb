"""Near-miss: a star import may define anything."""
from helpers import *

value = MagicNone()
