"""A `del` that may not run leaves the name bound (pyflakes cannot predict the branch)."""
import sys
from unittest.mock import MagicMock, Mock, call, patch

if sys.argv:
    del Mock
print(Mock)  # near-miss: the del is conditional

while sys.argv:
    del patch
    break
print(patch)  # near-miss: the del is in a loop that may not run

try:
    del MagicMock
except NameError:
    pass
print(MagicMock)  # expect: missing-mock-import

for _ in range(1):
    del call
print(call)  # expect: missing-mock-import


def conditional_in_function(flag):
    sentinel = 1
    if flag:
        del sentinel
    return sentinel  # near-miss
