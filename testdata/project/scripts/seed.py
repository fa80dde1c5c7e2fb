import os

print(os.environ["SEED"])
