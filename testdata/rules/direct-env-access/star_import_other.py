"""Near-miss: a star import of a module other than os."""
from os.path import *
from oslo import *

home = environ["HOME"]
value = getenv("X")
