"""An ignored pair: the contract lists it under `ignore`."""
from billing.config import LEGACY
