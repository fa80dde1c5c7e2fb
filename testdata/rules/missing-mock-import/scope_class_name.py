"""A class's own name is bound only after its body ran: not in the body, not in its bases."""


class Mock:
    alias = Mock  # expect: missing-mock-import

    def method(self):
        return Mock  # near-miss: the method runs after the class exists


class MagicMock(MagicMock):  # expect: missing-mock-import
    pass


class patch(metaclass=patch):  # expect: missing-mock-import
    pass


@call  # expect: missing-mock-import
def call():
    pass


def ANY(default=ANY):  # expect: missing-mock-import
    return default


class Outer:
    class sentinel:
        pass

    value = sentinel  # near-miss: bound in the class body by the nested class

    def method(self):
        return sentinel  # expect: missing-mock-import


class Generic:
    DEFAULT = 1
    doubled = [DEFAULT for _ in range(2)]  # near-miss: pyflakes lets a comprehension see its class
    tripled = [lambda: DEFAULT for _ in range(3)]  # expect: missing-mock-import
