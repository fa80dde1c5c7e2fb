import enum
import typing
from abc import ABC, ABCMeta


class LegacyWebSocketManagerAdapter:  # expect: duplicate-manager-class
    pass


# Near-misses: interfaces, protocols, test doubles, I-names.
class SimpleWebSocketManager(enum.Enum):
    OPEN = 1


class BaseWebSocketManager(ABC):
    pass


class CoreWebSocketManager(typing.Protocol[int]):
    pass


class AbstractWebSocketManager(metaclass=ABCMeta):
    pass


class IWebSocketManager:
    pass


class MockWebSocketManager:
    pass


class _FakeWebSocketManager:
    pass


class DefaultWebSocketManager(Exception):
    pass


def factory():
    class WebSocketManager:  # near-miss: nested in a function
        pass

    return WebSocketManager
