"""Fix fixture for relative-import: each relative import below resolves on disk (roots: the
rule directory, see ssot.toml), so its module part becomes the absolute module path."""
from app.core import models  # expect: relative-import
from app.core.models import X as Y  # expect: relative-import
from app import core  # expect: relative-import
from app.util.text import (  # expect: relative-import
    helper,  # the names, parentheses and comments stay
)
from app.util import text  # expect: relative-import
from . missing import nothing  # expect: relative-import
from ... import beyond  # expect: relative-import

from app.core.models import X as Z  # expect: relative-import
from app.core import models as M  # expect: relative-import

def lazy():
    from app.core.models import X  # expect: relative-import
    return X, Y, Z, M, models, core, helper, text, nothing, beyond
