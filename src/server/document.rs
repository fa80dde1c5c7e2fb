//! An open buffer: its text at the client's latest version, kept right when the client's changes
//! arrive out of order. The protocol numbers every change with the version it makes, and a
//! change's positions are in the text the previous version left; a client that sends a burst of
//! changes concurrently (Helix 25.01 does, for keys that arrive at once) can deliver version 11
//! after 17. Applied in arrival order, such changes would leave a text the client never had, and
//! every range computed from it (diagnostics, quick fixes) wrong. So the latest changes are
//! kept with the text before them: one that arrives after a newer one is put in its place and the
//! text made again from there.

use std::collections::VecDeque;
use std::path::PathBuf;

use lsp_types::TextDocumentContentChangeEvent;

use super::position::{Encoding, Text};

/// How many of the latest changes are kept (a change older than all of them is dropped).
const KEPT: usize = 64;

pub(crate) struct Document {
    /// Its file (absolute, canonical directory), when its URI names one.
    pub path: Option<PathBuf>,
    pub text: Text,
    /// The latest version the client gave (the highest).
    pub version: i32,
    /// The text before the changes `recent` holds, and its version.
    base: (Text, i32),
    /// The latest changes with the version each made, in version order.
    recent: VecDeque<(i32, Vec<TextDocumentContentChangeEvent>)>,
}

impl Document {
    pub(crate) fn new(path: Option<PathBuf>, text: String, version: i32) -> Self {
        let text = Text::new(text);
        Self { path, base: (text.clone(), version), text, version, recent: VecDeque::new() }
    }

    /// Applies the client's `changes` that make version `version`. A change older than the
    /// latest is put among the kept ones by its version and the text made again; one older than
    /// every kept change (or repeating a kept version) cannot be placed: `false`, and nothing
    /// changes — unless it gives the whole text: then the client starts afresh (a reload that
    /// numbers its versions again), and that text at that version stands.
    pub(crate) fn change(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let whole = changes.iter().any(|change| change.range.is_none());
        if version >= self.version {
            self.text.apply_changes(changes.clone(), encoding);
            self.version = version;
            self.recent.push_back((version, changes));
        } else {
            let at = self.recent.partition_point(|(kept, _)| *kept < version);
            let repeated = self.recent.get(at).is_some_and(|(kept, _)| *kept == version);
            if version <= self.base.1 || repeated {
                if !whole {
                    return false;
                }
                self.text.apply_changes(changes, encoding);
                self.version = version;
                self.rebase();
                return true;
            }
            self.recent.insert(at, (version, changes));
            let mut text = self.base.0.clone();
            for (_, changes) in &self.recent {
                text.apply_changes(changes.clone(), encoding);
            }
            self.text = text;
        }
        // From the latest whole text on, nothing before it matters.
        if whole && self.recent.back().is_some_and(|(kept, _)| *kept == version) {
            self.rebase();
        }
        while self.recent.len() > KEPT {
            let Some((version, changes)) = self.recent.pop_front() else { break };
            self.base.0.apply_changes(changes, encoding);
            self.base.1 = version;
        }
        true
    }

    /// The text as it stands becomes the base: no change is kept.
    fn rebase(&mut self) {
        self.base = (self.text.clone(), self.version);
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(line: u32, character: u32, text: &str) -> Vec<TextDocumentContentChangeEvent> {
        let at = lsp_types::Position { line, character };
        vec![TextDocumentContentChangeEvent {
            range: Some(lsp_types::Range { start: at, end: at }),
            range_length: None,
            text: text.to_string(),
        }]
    }

    /// Typing "class W" after "X = 1\n", one change per character, delivered in several
    /// shuffled orders (as Helix 25.01 delivered a burst): the text is what the client has.
    #[test]
    fn changes_out_of_order_are_put_in_their_place() {
        let typed = "class WebSocketManager: pass";
        let changes: Vec<(i32, Vec<TextDocumentContentChangeEvent>)> = std::iter::once((1, insert(0, 5, "\n")))
            .chain(typed.chars().enumerate().map(|(i, c)| (i as i32 + 2, insert(1, i as u32, &c.to_string()))))
            .collect();
        let orders: [&dyn Fn(usize) -> usize; 4] = [
            &|i| i,
            &|i| {
                if i == 28 {
                    i
                } else if i % 2 == 0 {
                    i + 1
                } else {
                    i - 1
                }
            },
            // The order seen from Helix: a run, then a later run, then the skipped ones.
            &|i| {
                [
                    0, 1, 2, 3, 4, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 10, 5, 6, 7, 8, 9, 13, 11, 12, 15,
                    14, 16,
                ][i]
            },
            &|i| 28 - i,
        ];
        for (n, order) in orders.iter().enumerate() {
            let mut document = Document::new(None, "X = 1".into(), 0);
            let mut placed = Vec::new();
            for i in 0..changes.len() {
                let (version, change) = changes[order(i)].clone();
                placed.push(document.change(version, change, Encoding::Utf16));
            }
            // Reversed, the first change to arrive (the last typed) is applied to text that
            // does not hold its line yet; every later one is placed before it.
            assert!(placed.iter().all(|&placed| placed), "order {n}");
            assert_eq!(document.text.as_str(), format!("X = 1\n{typed}"), "order {n}");
            assert_eq!(document.version, 29);
        }
    }

    fn whole(text: &str) -> Vec<TextDocumentContentChangeEvent> {
        vec![TextDocumentContentChangeEvent { range: None, range_length: None, text: text.to_string() }]
    }

    /// A whole text ends the history: changes before it arriving late are dropped; one that
    /// cannot be placed (a client numbering its versions again after a reload) stands.
    #[test]
    fn a_whole_text_starts_afresh() {
        let mut document = Document::new(None, "a".into(), 0);
        assert!(document.change(2, whole("xyz"), Encoding::Utf8));
        assert!(document.change(3, insert(0, 3, "!"), Encoding::Utf8));
        assert!(!document.change(1, insert(0, 0, "late "), Encoding::Utf8), "superseded by the whole text");
        assert_eq!((document.text.as_str(), document.version), ("xyz!", 3));
        assert!(document.change(1, whole("reloaded"), Encoding::Utf8));
        assert!(document.change(2, insert(0, 8, "."), Encoding::Utf8));
        assert_eq!((document.text.as_str(), document.version), ("reloaded.", 2));
        // A late whole text within the window is put in its place like any change.
        let mut document = Document::new(None, "a".into(), 0);
        assert!(document.change(2, insert(0, 0, "b"), Encoding::Utf8));
        assert!(document.change(1, whole("c"), Encoding::Utf8));
        assert_eq!(document.text.as_str(), "bc");
    }

    /// A change older than every kept one, or one repeating a version, changes nothing.
    #[test]
    fn a_change_too_old_to_place_is_dropped() {
        let mut document = Document::new(None, String::new(), 0);
        for version in 1..=(KEPT as i32 + 10) {
            assert!(document.change(version, insert(0, version as u32 - 1, "a"), Encoding::Utf8));
        }
        let text = document.text.as_str().to_string();
        assert!(!document.change(5, insert(0, 0, "b"), Encoding::Utf8));
        assert!(!document.change(KEPT as i32, insert(0, 0, "b"), Encoding::Utf8));
        assert_eq!(document.text.as_str(), text);
    }
}
