"""A module left behind in a package that moved (its helpers moved on): its relative imports
import the old paths."""
from app.websocket import helpers  # expect: moved-import
from app.websocket.helpers import helper  # expect: moved-import

USED = (helpers, helper)
