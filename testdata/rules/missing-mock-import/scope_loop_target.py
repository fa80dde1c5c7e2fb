"""A `for` or comprehension iterable is evaluated before the loop binds its target."""
for Mock in Mock:  # expect: missing-mock-import
    pass

squares = [patch for patch in patch]  # expect: missing-mock-import
pairs = {call: 1 for call in range(3)}  # near-miss: the target is bound before the key
nested = [ANY for row in range(3) for ANY in row]  # near-miss: bound by the second clause
inner = [x for x in sentinel for sentinel in range(3)]  # expect: missing-mock-import


def in_function():
    for seal in seal:  # expect: missing-mock-import
        pass
    return [DEFAULT for DEFAULT in DEFAULT]  # expect: missing-mock-import


MagicMock = MagicMock  # expect: missing-mock-import
AsyncMock: int = AsyncMock  # expect: missing-mock-import
if (PropertyMock := 1):
    print(PropertyMock)  # near-miss: the walrus bound it
