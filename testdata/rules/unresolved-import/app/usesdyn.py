from app.dynall import *
