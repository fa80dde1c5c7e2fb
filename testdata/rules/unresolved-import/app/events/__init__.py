from app.events.catalog import *
