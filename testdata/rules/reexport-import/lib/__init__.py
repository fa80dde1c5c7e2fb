from lib.impl import thing
