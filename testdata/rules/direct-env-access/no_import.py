"""`os` is bound nowhere in this file, so `os.environ` still reaches the environment."""
value = os.environ["TOKEN"]  # expect: direct-env-access
other = os.getenv("TOKEN")  # expect: direct-env-access
