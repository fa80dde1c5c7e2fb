"""MagicNone in a file that imports nothing from unittest.mock: the fix imports MagicMock too."""
from __future__ import annotations
from unittest.mock import MagicMock

import os

handler = MagicMock(spec=os)  # expect: magic-none
