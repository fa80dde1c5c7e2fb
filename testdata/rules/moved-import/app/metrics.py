class Collector:
    pass
