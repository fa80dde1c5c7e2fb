"""Names bound in many ways: each one importable."""
import json as _json
from typing import TYPE_CHECKING

Model = type("Model", (), {})
CONSTANT: int = 1
ANNOTATED_ONLY: int
first, (second, *rest) = [1, (2, 3, 4)]
for loop_variable in range(2):
    pass
with open(__file__) as handle:
    pass
try:
    import fast_json as speedy
except ImportError:
    speedy = _json
if (walrus := 1):
    class Conditional: ...


def factory():
    global late
    late = 1


type Alias = list[int]
