"""Near-misses: conditional and unusual bindings count."""
try:
    from unittest.mock import Mock
except ImportError:
    Mock = None

if Mock:
    for patch in []:
        pass

with open(__file__) as call:
    pass

match Mock:
    case [ANY, *sentinel]:
        pass

if (create_autospec := None) is None:
    pass

mocked = Mock, patch, call, ANY, sentinel, create_autospec
