"""Fixture for relative-import: lines ending in an expect marker must be flagged, others not."""
from . import sibling  # expect: relative-import
from .module import name  # expect: relative-import
from ..package.sub import thing as alias  # expect: relative-import
from .. import parent  # expect: relative-import
from ... import grandparent  # expect: relative-import
from .pkg import (  # expect: relative-import
    first,
    second,
)
from.glued import x  # expect: relative-import
from . import *  # expect: relative-import


def inside_function():
    from .lazy import thing  # expect: relative-import
    return thing


if True:
    from .conditional import value  # expect: relative-import

# Near-misses: absolute imports and text that only looks like a relative import.
from __future__ import annotations
from package import module
from package.sub import name as other
import os.path
text = "from . import x"
# from . import commented_out
doc = """
from .inside_a_string import nothing
"""
