"""Fixture for direct-env-access: lines ending in an expect marker must be flagged, others not."""
import os
import os as operating_system
import os.path
from os import environ
from os import getenv as read_env
from os import path, sep

a = os.environ["HOME"]  # expect: direct-env-access
b = os.environ.get("A", "default")  # expect: direct-env-access
c = os.getenv("B")  # expect: direct-env-access
d = operating_system.environ  # expect: direct-env-access
os.putenv("C", "1")  # expect: direct-env-access
os.unsetenv("C")  # expect: direct-env-access
e = os.environb[b"X"]  # expect: direct-env-access
f = os.getenvb(b"X")  # expect: direct-env-access
os.environ["D"] = "1"  # expect: direct-env-access
del os.environ["D"]  # expect: direct-env-access
g = environ["E"]  # expect: direct-env-access
h = read_env("F")  # expect: direct-env-access
print(environ, read_env)  # expect: direct-env-access, direct-env-access
message = f"home is {os.environ['HOME']}"  # expect: direct-env-access
both = os.environ.get("X") or environ.get("Y")  # expect: direct-env-access, direct-env-access
wrapped = (os.  # expect: direct-env-access
           environ)


def uses_it_later():
    return environ.copy()  # expect: direct-env-access


def matches(value):
    match value:
        case os.environ:  # expect: direct-env-access
            pass
        case {"key": operating_system.getenv} | [os.path.sep]:  # expect: direct-env-access
            pass
        case os.path.environ | config.environ | "os.environ":
            pass


# Near-misses: not the environment, or not a load of an imported name.
sep_path = os.path.join(path.sep, sep)
getenv_name = "os.environ"
settings.environ = 3
config.getenv("X")
call(environ=1)
os.environment = 4
# os.environ in a comment
environ = {}
environ += 1
os.path.environ
