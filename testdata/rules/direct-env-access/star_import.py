"""A star import of os binds its environment attributes; one of another module does not."""
from os import *
from osx import *

home = environ["HOME"]  # expect: direct-env-access
debug = getenv("DEBUG") == "1"  # expect: direct-env-access
separator = sep
