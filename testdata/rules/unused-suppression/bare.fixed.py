import os

a = os.environ["A"]  # ssot: ignore[direct-env-access]  # expect: unused-suppression, direct-env-access
b = 1  # expect: unused-suppression
# ssot: ignored by a script, not a directive
c = 2  # ssot: ignore-file  # a file-wide directive must stand alone on its line: not one
