"""`import os.path as p` binds `p` to os.path, not to os; the plain `os` is bound nowhere."""
import os.path as p

value = p.environ  # near-miss: not the os module
other = os.environ  # expect: direct-env-access
