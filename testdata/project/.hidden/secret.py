import os
KEY = os.environ["KEY"]
