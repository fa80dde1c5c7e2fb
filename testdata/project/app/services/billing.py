from ..config import DATABASE_URL
import os


def charge(amount):
    key = os.environ["STRIPE_KEY"]
    debug = os.getenv("DEBUG")  # ssot: ignore[direct-env-access] -- read once at start-up
    return amount, key, debug, DATABASE_URL
