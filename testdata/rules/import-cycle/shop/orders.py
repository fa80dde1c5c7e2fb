"""Orders and billing import each other at import time: a cycle."""
from typing import TYPE_CHECKING

from shop.billing import charge  # expect: import-cycle
from shop import catalog

if TYPE_CHECKING:
    from shop.reports import Report  # not run: no cycle through it


class Order:
    def total(self):
        from shop.reports import summary  # inside a function: not at import time
        return charge(self), summary(self), catalog


def report_type() -> "Report":
    raise NotImplementedError
