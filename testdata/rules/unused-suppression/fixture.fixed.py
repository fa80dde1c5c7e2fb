import json  # expect: unused-suppression
import os

a = os.environ["A"]  # expect: unused-suppression, direct-env-access
b = os.environ["B"]  # ssot: ignore[direct-env-access]  # expect: unused-suppression
c = os.environ["C"]  # ssot: ignore[direct-env-access] -- read once at start-up
d = json.dumps({})  # ssot: ignore[magic-none]
e = json.dumps({})  # ssot: ignore[relative-import, unused-suppression]
text = "# ssot: ignore[relative-import]"
