"""Near-miss: a star import may define anything."""
from unittest.mock import *

value = MagicMock(), patch, call
