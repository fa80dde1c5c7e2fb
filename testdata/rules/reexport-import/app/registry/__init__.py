"""Binds a submodule's name to something else (as SQLAlchemy's `orm.mapper`)."""
from . import mapper as mapperlib
from .mapper import make_mapper as mapper
