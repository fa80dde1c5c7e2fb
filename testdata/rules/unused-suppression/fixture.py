import json  # ssot: ignore[direct-env-access]  # expect: unused-suppression
import os

a = os.environ["A"]  # ssot: ignore[direct-env-acess]  # expect: unused-suppression, direct-env-access
b = os.environ["B"]  # ssot: ignore[direct-env-access, relative-import]  # expect: unused-suppression
c = os.environ["C"]  # ssot: ignore[direct-env-access] -- read once at start-up
d = json.dumps({})  # ssot: ignore[magic-none]
e = json.dumps({})  # ssot: ignore[relative-import, unused-suppression]
text = "# ssot: ignore[relative-import]"
