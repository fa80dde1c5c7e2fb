"""A package importing its own submodules: one was deleted."""
from . import present, deleted  # expect: unresolved-import
