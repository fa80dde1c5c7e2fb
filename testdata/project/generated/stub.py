from . import generated_thing
