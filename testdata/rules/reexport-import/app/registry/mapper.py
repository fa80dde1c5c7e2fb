def make_mapper():
    return None
