"""The top-level package: re-exports one name."""
from app.core.models import Model

VERSION = "1"
