"""Names written through globals(): not judged."""
globals().update({"whatever": 1})
