// A glob import of `std::env` binds every function.
use std::env::*;

fn read() {
    let a = var("A"); // expect: direct-env-access
    remove_var("B"); // expect: direct-env-access
    let dir = current_dir();
}

mod other {
    // `env` here is some other module: without a `use` of `std::env` it is not judged.
    fn f() {
        let x = helpers::env::var("X");
    }
}
