"""Three live implementations of one WebSocket manager concept."""


class WebSocketManager:  # expect: duplicate-manager-class
    pass


class _UnifiedWebSocketManagerImplementation:  # expect: duplicate-manager-class
    pass


# Near-miss: an alias is an assignment, not a definition.
UnifiedWebSocketManager = _UnifiedWebSocketManagerImplementation


class WebSocketManagerExtended(WebSocketManager):
    """Near-miss concept: `websocketmanagerextended` does not end with `manager`."""


class EnhancedWebSocketManager(WebSocketManager):  # near-miss: extends a counted class of the concept
    pass
