"""A module still importing a class that moved: the message says where it lives now."""
from app.events.catalog import Conditional  # expect: unresolved-import
