class BaseKinds:
    pass
