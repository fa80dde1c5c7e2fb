use std::env;

fn read() {
    let a = env::var("A"); // ssot: ignore[direct-env-access] -- bootstrap reads it once
    let b = 1; // ssot: ignore[direct-env-access] -- nothing here any more // expect: unused-suppression
}
