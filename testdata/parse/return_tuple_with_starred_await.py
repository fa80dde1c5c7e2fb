async def f():
    return None, *await g()


import os

TOKEN = os.environ["TOKEN"]
