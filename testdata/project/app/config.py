"""The sanctioned configuration wrapper: allowed to read the environment."""
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite://")
