//! The server's stdio: messages framed by a `Content-Length` header, read on one thread and
//! written on another, handed to the message loop as an [`lsp_server::Connection`]. Unlike the
//! crate's own transport, input that is not a message does not end the server: a body that is
//! not JSON gets a JSON-RPC parse error (-32700), JSON that is not a request, response or
//! notification an invalid-request error (-32600), and reading goes on with the next message.
//! Only the end of the input (or a header that cannot be read at all) ends it. Those errors go
//! through the loop, as a notification of the method [`INVALID`] it sends back to the writer, so
//! they are answered in their turn.

use std::io::{BufRead, Write};

use lsp_server::{Connection, Message};

/// The method of the notification that stands for input that was no message: its parameters
/// are the JSON-RPC error (`code`, `message`), which the writer sends with `id: null`.
pub(crate) const INVALID: &str = "$/ssot/invalidMessage";

/// The connection over stdin/stdout, and the threads that read and write (join them after the
/// loop ends).
pub(crate) fn stdio() -> (Connection, Threads) {
    let (to_writer, outgoing) = crossbeam_channel::unbounded::<Message>();
    let (incoming, from_reader) = crossbeam_channel::unbounded::<Message>();
    let writer = std::thread::Builder::new()
        .name("ssot-server-writer".into())
        .spawn(move || {
            for message in outgoing {
                let text = match &message {
                    Message::Notification(n) if n.method == INVALID => {
                        serde_json::json!({"jsonrpc": "2.0", "id": null, "error": n.params}).to_string()
                    }
                    _ => body(&message),
                };
                if write_framed(&mut std::io::stdout().lock(), &text).is_err() {
                    break;
                }
            }
        })
        .expect("the writer thread starts");
    let reader = std::thread::Builder::new()
        .name("ssot-server-reader".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            read_messages(&mut stdin.lock(), &incoming);
        })
        .expect("the reader thread starts");
    (Connection { sender: to_writer, receiver: from_reader }, Threads { reader, writer })
}

pub(crate) struct Threads {
    reader: std::thread::JoinHandle<()>,
    writer: std::thread::JoinHandle<()>,
}

impl Threads {
    /// Waits for the writer to send what is left. The reader is not waited for: it may be blocked
    /// on a stdin the client keeps open.
    pub(crate) fn join(self) {
        let _ = self.writer.join();
        drop(self.reader);
    }
}

/// The JSON text of `message`, with its `jsonrpc` member.
fn body(message: &Message) -> String {
    let mut value = serde_json::to_value(message).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("jsonrpc".into(), "2.0".into());
    }
    value.to_string()
}

fn write_framed(out: &mut dyn Write, body: &str) -> std::io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

/// Reads framed messages from `input` until it ends (or the loop stops listening), sending each
/// to `incoming`; what is not a message is sent as an [`INVALID`] notification.
pub(crate) fn read_messages(input: &mut dyn BufRead, incoming: &crossbeam_channel::Sender<Message>) {
    let reply = |code: i32, message: String| {
        let error = serde_json::json!({"code": code, "message": message});
        incoming.send(lsp_server::Notification::new(INVALID.to_string(), error).into()).is_ok()
    };
    loop {
        let body = match read_body(input) {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(Framing::Skip) => continue,
            Err(Framing::Broken) => return,
        };
        let message = match serde_json::from_slice::<serde_json::Value>(&body) {
            Err(err) => {
                if !reply(-32700, format!("parse error: the message is not JSON: {err}")) {
                    return;
                }
                continue;
            }
            Ok(value) => match serde_json::from_value::<Message>(value) {
                Ok(message) => message,
                Err(err) => {
                    if !reply(-32600, format!("invalid request: {err}")) {
                        return;
                    }
                    continue;
                }
            },
        };
        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
        if incoming.send(message).is_err() || exit {
            return;
        }
    }
}

enum Framing {
    /// A header block without a usable `Content-Length`: skipped.
    Skip,
    /// The input cannot be read further.
    Broken,
}

/// The next message's body: headers up to an empty line, then `Content-Length` bytes.
fn read_body(input: &mut dyn BufRead) -> Result<Option<Vec<u8>>, Framing> {
    let mut length = None;
    let mut line = Vec::new();
    let mut any = false;
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return if any { Err(Framing::Broken) } else { Ok(None) },
            Ok(_) => {}
            Err(_) => return Err(Framing::Broken),
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !any {
                continue;
            }
            break;
        }
        any = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    // At most a gigabyte: a larger length is a broken header, not a message to wait for.
    let Some(length) = length.filter(|&length| length <= 1 << 30) else { return Err(Framing::Skip) };
    let mut body = vec![0; length];
    input.read_exact(&mut body).map_err(|_| Framing::Broken)?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// A body that is not JSON, and JSON that is no message, each get an error; the messages
    /// after them still arrive.
    #[test]
    fn bad_input_gets_an_error_and_reading_goes_on() {
        let input = [
            framed("{not json"),
            framed(r#"{"jsonrpc":"2.0","x":1}"#),
            "Content-Length: nonsense\r\n\r\n".to_string(),
            framed(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
        ]
        .concat();
        let (sender, receiver) = crossbeam_channel::unbounded();
        read_messages(&mut input.as_bytes(), &sender);
        let messages: Vec<Message> = receiver.try_iter().collect();
        let code = |message: &Message| match message {
            Message::Notification(n) if n.method == INVALID => n.params["code"].as_i64(),
            _ => None,
        };
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert_eq!((code(&messages[0]), code(&messages[1])), (Some(-32700), Some(-32600)), "{messages:?}");
        let messages = &messages[2..];
        assert!(matches!(messages, [Message::Request(r)] if r.method == "shutdown"), "{messages:?}");
    }
}
