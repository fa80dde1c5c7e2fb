"""Near-miss: valid modern Python parses cleanly."""
match command:
    case {"action": action, **rest}:
        pass
    case [first, *others]:
        pass

type Alias = list[int]


def generic[T](x: T) -> T:
    return x


message = f"{'nested'} {x!r:>{width}} {f'{inner}'}"
