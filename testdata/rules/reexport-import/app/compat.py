"""Chooses an implementation: the chain cannot be followed past it."""
try:
    from ujson import dumps
except ImportError:
    from json import dumps
from requests import Session
