"""Fix fixture for relative-import: each relative import below resolves on disk (roots: the
rule directory, see ssot.toml), so its module part becomes the absolute module path."""
from . import models  # expect: relative-import
from .models import X as Y  # expect: relative-import
from .. import core  # expect: relative-import
from ..util.text import (  # expect: relative-import
    helper,  # the names, parentheses and comments stay
)
from ..util import text  # expect: relative-import
from . missing import nothing  # expect: relative-import
from ... import beyond  # expect: relative-import

from.models import X as Z  # expect: relative-import
from .import models as M  # expect: relative-import

def lazy():
    from .models import X  # expect: relative-import
    return X, Y, Z, M, models, core, helper, text, nothing, beyond
