pub const WS_EVENT: &str = "websocket_connected"; // expect: duplicate-string-constant
pub const RETRY_POLICY: &str = "exponential"; // expect: duplicate-string-constant
pub const AB: &str = "ab";

pub trait Kinds {
    const KIND: &str = "holder_kind"; // expect: duplicate-string-constant
}

pub mod nested {
    // A Python module of the fixture defines the same constant: one value, two sources of truth
    // across languages.
    pub const AGENT_STARTED: &str = "agent_started"; // expect: duplicate-string-constant
}
