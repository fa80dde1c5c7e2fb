pub const WS_EVENT: &str = "websocket_connected"; // expect: duplicate-string-constant
pub static RETRY_POLICY: &'static str = "exponential"; // expect: duplicate-string-constant
pub struct Holder;

impl Holder {
    pub const KIND: &str = "holder_kind"; // expect: duplicate-string-constant
}

// Near-misses: too short, not UPPER_CASE, not a string, in a function, in a test module.
const AB: &str = "ab";
const lower_case: &str = "websocket_connected";
const COUNT: usize = 3;

fn local() {
    const WS_EVENT: &str = "websocket_connected";
}

#[cfg(test)]
mod tests {
    const RETRY_POLICY: &str = "exponential";
}
