use crate::events::TOOL_EXECUTING;

pub fn run(sender: &Sender) {
    sender.send("tool_executing"); // expect: scattered-event-literal
    sender.send(r#"agent_started"#); // expect: scattered-event-literal
    sender.send("tool\u{5f}completed"); // expect: scattered-event-literal
    sender.send("agent_\x74hinking"); // expect: scattered-event-literal
    let payload = serde_json::json!({"event": "agent_thinking"}); // expect: scattered-event-literal
    println!("{}", "tool_executing"); // expect: scattered-event-literal
    // Near-misses: byte and C strings, a longer text, a comment ("tool_executing"), a constant.
    let bytes = b"tool_executing";
    let c_string = c"tool_executing";
    let message = "tool_executing started";
    sender.send(TOOL_EXECUTING);
}

/// Sends "tool_executing" (a doc comment is not a literal).
#[derive(Serialize)]
pub enum Kind {
    #[serde(rename = "custom_kind")] // expect: scattered-event-literal
    Custom,
}
