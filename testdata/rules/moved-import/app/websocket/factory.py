def create_manager():
    return None
