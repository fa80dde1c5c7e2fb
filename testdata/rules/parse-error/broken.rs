fn valid() {}

fn broken() {
    let x = ; // expect: parse-error
}
