#!/usr/bin/env run-cargo-script
fn main() {
    println!("a shebang line is not a syntax error");
}
