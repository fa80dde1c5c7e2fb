import os
KEY = os.environ["STRIPE_KEY"]
