class A:
    def m(self):
        from .module import (
            first,
    # a comment at a lower indent
    second,
        )
        return first, second
