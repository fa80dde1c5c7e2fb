"""The lowest layer importing a higher one: directly (api), and through api (billing)."""
from api.views import render  # expect: import-contract, import-contract
import svc_a.tasks  # not a layer, not one of the independent services


class Rate:
    render = render
