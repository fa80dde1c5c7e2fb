//! Every spelling of a run-time environment access in Rust, and what only looks like one.
use std::env;
use std::env as environment;
use std::env::{var as read_var, vars_os};

pub fn settings(config: &Config) -> Vec<String> {
    let a = std::env::var("A"); // expect: direct-env-access
    let b = ::std::env::var_os("B"); // expect: direct-env-access
    let c = env::vars(); // expect: direct-env-access
    environment::set_var("C", "1"); // expect: direct-env-access
    let d = read_var("D"); // expect: direct-env-access
    let e = vars_os().count(); // expect: direct-env-access
    println!("{:?}", env::var("F")); // expect: direct-env-access
    let g = format!("{}", std::env::var("G").unwrap_or_default()); // expect: direct-env-access
    let reader: fn(&str) -> _ = env::var; // expect: direct-env-access
    // Near-misses: compile-time macros, other functions of `std::env`, methods and fields named
    // like the functions, code inside a string or a comment: std::env::var("H").
    let name = env!("CARGO_PKG_NAME");
    let home = option_env!("HOME");
    let args = env::args();
    let text = "std::env::var(\"X\")";
    let parsed = config.var("Z");
    let field = config.vars;
    vec![]
}
