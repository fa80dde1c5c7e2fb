"""`__all__` bound, but not as a literal: what a star import takes is unknown."""
__all__ = ["_helper"]
__all__.append("more")
_helper = 1
more = 2
