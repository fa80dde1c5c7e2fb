class Outer:
    class SessionManager:  # expect: duplicate-manager-class
        pass


class SessionManagerV2:  # expect: duplicate-manager-class
    pass


class CacheManager:  # near-miss: defined once
    pass
