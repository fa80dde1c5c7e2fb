"""Shadowed by the built-in module: `import time` never reaches this file."""


def sleep():
    return None
