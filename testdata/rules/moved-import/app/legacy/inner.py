"""A module left behind in a package that moved (its helpers moved on): its relative imports
import the old paths."""
from . import helpers  # expect: moved-import
from .helpers import helper  # expect: moved-import

USED = (helpers, helper)
