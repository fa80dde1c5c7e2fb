# A stub is never executed: a name bound anywhere in its module scope is defined everywhere, so
# forward references (typeshed's mock.pyi) are no missing imports.
from unittest.mock import PropertyMock
import sys
from typing import Any

def patch(target: str) -> MagicMock: ...

class NonCallableMock:
    def attach_mock(self, mock: Mock, attribute: str) -> None: ...

class Mock(NonCallableMock): ...
class MagicMock(Mock): ...

if sys.version_info >= (3, 8):
    def seal(mock: Any) -> AsyncMock: ...
    class AsyncMock(Mock): ...

# Bound nowhere in this file: still missing.
def sentinel_of(x: Any) -> PropertyMock: ...  # expect: missing-mock-import
