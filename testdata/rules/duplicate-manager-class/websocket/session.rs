pub struct SessionManager { // expect: duplicate-manager-class
    sessions: Vec<u32>,
}

// Near-misses: enums and traits are interfaces, test doubles and test-only or function-local
// types are not production definitions.
pub enum ConnectionManager {
    Idle,
}
pub trait StoreManager {}
pub struct MockSessionManager;

fn build() {
    struct SessionManager;
}

#[cfg(test)]
mod tests {
    struct SessionManager;
}
