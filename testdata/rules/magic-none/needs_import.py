"""MagicNone in a file that imports nothing from unittest.mock: the fix imports MagicMock too."""
from __future__ import annotations

import os

handler = MagicNone(spec=os)  # expect: magic-none
