// A test file (`tests/**`): never production.
pub const WS_EVENT: &str = "websocket_connected";
