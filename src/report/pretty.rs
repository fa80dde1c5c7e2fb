//! JSON reports written through serde_json's pretty printer, piece by piece: a report's
//! envelope (its outer objects, their keys, the arrays that hold one entry per finding) is
//! written by calling serde_json's [`PrettyFormatter`] step by step, and every value inside it
//! (a summary, a diagnostic) is serialised by serde_json with that formatter where it stands. The
//! document is byte for byte what `serde_json::to_writer_pretty` prints of the whole, but the
//! whole is never built: the entries of a large array are serialised on the thread pool, in
//! pieces, and written in order ([`super::render_in_order`]). No JSON is written by hand here.

use std::io::{BufWriter, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

/// A JSON document being written to `out`, pretty-printed as serde_json prints it.
pub(super) struct Document<W: Write> {
    out: BufWriter<W>,
    /// Where the document stands: serde_json's formatter carries the depth.
    formatter: PrettyFormatter<'static>,
    /// The objects and arrays open, innermost last.
    open: Vec<Open>,
}

/// An open object or array.
struct Open {
    kind: Kind,
    /// No member yet.
    empty: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Object,
    Array,
}

/// Entries of an array serialised by one task: reports of large trees run to tens of
/// megabytes.
const PIECE: usize = 512;

impl<W: Write> Document<W> {
    pub(super) fn new(out: W) -> Self {
        // serde_json writes a report in thousands of small pieces: they go to a buffer, not one
        // by one through `out` (often a `dyn Write`).
        Self { out: BufWriter::with_capacity(1 << 16, out), formatter: PrettyFormatter::new(), open: Vec::new() }
    }

    /// Ends the document with a newline (not part of the JSON text) and flushes it.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        debug_assert!(self.open.is_empty(), "a JSON object or array left open");
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    /// Opens an object, as the value of the last key or the next entry of the open array.
    pub(super) fn begin_object(&mut self) -> std::io::Result<()> {
        self.begin(Kind::Object)
    }

    pub(super) fn end_object(&mut self) -> std::io::Result<()> {
        self.end(Kind::Object)
    }

    /// Opens an array, as the value of the last key or the next entry of the open array.
    pub(super) fn begin_array(&mut self) -> std::io::Result<()> {
        self.begin(Kind::Array)
    }

    pub(super) fn end_array(&mut self) -> std::io::Result<()> {
        self.end(Kind::Array)
    }

    /// Starts the next member of the open object; its value follows.
    pub(super) fn key(&mut self, name: &str) -> std::io::Result<()> {
        let Some(Open { kind: Kind::Object, empty }) = self.open.last_mut() else {
            unreachable!("a key outside an object");
        };
        let first = std::mem::replace(empty, false);
        self.formatter.begin_object_key(&mut self.out, first)?;
        self.serialize(name)?;
        self.formatter.end_object_key(&mut self.out)?;
        self.formatter.begin_object_value(&mut self.out)
    }

    /// `value`, serialised by serde_json, as the value of the last key or the next entry of the
    /// open array.
    pub(super) fn value(&mut self, value: &(impl Serialize + ?Sized)) -> std::io::Result<()> {
        self.begin_value()?;
        self.serialize(value)?;
        self.end_value()
    }

    /// A member of the open object.
    pub(super) fn field(&mut self, name: &str, value: &(impl Serialize + ?Sized)) -> std::io::Result<()> {
        self.key(name)?;
        self.value(value)
    }

    /// An array of one `entry(item)` per item, serialised on the thread pool and written in
    /// order, as the value of the last key or the next entry of the open array.
    pub(super) fn array<'a, T: Sync, V: Serialize>(
        &mut self,
        items: &'a [T],
        entry: impl Fn(&'a T) -> V + Sync,
    ) -> std::io::Result<()> {
        self.begin_array()?;
        // Each piece goes on from where the document stands, with a copy of its formatter; the
        // formatter that wrote the last entry is where the document then stands.
        let start = self.formatter.clone();
        let render = |first: usize, piece: &'a [T]| -> std::io::Result<(Vec<u8>, PrettyFormatter<'static>)> {
            let mut text = Piece(Vec::new());
            let mut formatter = start.clone();
            for (index, item) in piece.iter().enumerate() {
                formatter.begin_array_value(&mut text, first + index == 0)?;
                entry(item).serialize(&mut Serializer::with_formatter(&mut text, formatter.clone()))?;
                formatter.end_array_value(&mut text)?;
            }
            Ok((text.0, formatter))
        };
        let out = &mut self.out;
        let mut last = None;
        super::render_in_order(items, PIECE, render, |(text, formatter)| {
            last = Some(formatter);
            out.write_all(&text)
        })?;
        if let Some(formatter) = last {
            self.formatter = formatter;
            if let Some(open) = self.open.last_mut() {
                open.empty = false;
            }
        }
        self.end_array()
    }

    /// Serialises `value` where the document stands.
    fn serialize(&mut self, value: &(impl Serialize + ?Sized)) -> std::io::Result<()> {
        // serde_json's serializer owns its formatter: it gets a copy of the document's, which a
        // whole value leaves at the depth where it started.
        value.serialize(&mut Serializer::with_formatter(&mut self.out, self.formatter.clone()))?;
        Ok(())
    }

    /// Opens an object or an array as a value.
    fn begin(&mut self, kind: Kind) -> std::io::Result<()> {
        self.begin_value()?;
        match kind {
            Kind::Object => self.formatter.begin_object(&mut self.out)?,
            Kind::Array => self.formatter.begin_array(&mut self.out)?,
        }
        self.open.push(Open { kind, empty: true });
        Ok(())
    }

    /// Closes the innermost object or array, which is a `kind`.
    fn end(&mut self, kind: Kind) -> std::io::Result<()> {
        let open = self.open.pop().map(|open| open.kind);
        debug_assert_eq!(open, Some(kind), "closing what is not open");
        match kind {
            Kind::Object => self.formatter.end_object(&mut self.out)?,
            Kind::Array => self.formatter.end_array(&mut self.out)?,
        }
        self.end_value()
    }

    /// Before a value: in an array, what precedes an entry.
    fn begin_value(&mut self) -> std::io::Result<()> {
        if let Some(Open { kind: Kind::Array, empty }) = self.open.last_mut() {
            let first = std::mem::replace(empty, false);
            self.formatter.begin_array_value(&mut self.out, first)?;
        }
        Ok(())
    }

    /// After a value: the end of an array entry or of an object member.
    fn end_value(&mut self) -> std::io::Result<()> {
        match self.open.last().map(|open| open.kind) {
            Some(Kind::Array) => self.formatter.end_array_value(&mut self.out),
            Some(Kind::Object) => self.formatter.end_object_value(&mut self.out),
            None => Ok(()),
        }
    }
}

/// A piece's text. serde_json writes a pretty document mostly in slices of one to three bytes
/// (punctuation, quotes, a level of indentation), which `Vec<u8>` would each copy with a call to
/// `memcpy`.
struct Piece(Vec<u8>);

impl Write for Piece {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.len() <= 4 {
            for &byte in bytes {
                self.0.push(byte);
            }
        } else {
            self.0.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Writes `{"a": 1, "rows": [items…], "nested": [{"empty": [], "b": "x\n"}, [items…], null]}`
    /// step by step.
    fn written(items: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut document = Document::new(&mut out);
        document.begin_object().unwrap();
        document.field("a", &1).unwrap();
        document.key("rows").unwrap();
        document.array(items, |item| item).unwrap();
        document.key("nested").unwrap();
        document.begin_array().unwrap();
        document.begin_object().unwrap();
        document.key("empty").unwrap();
        document.array(&[] as &[Value], |item| item).unwrap();
        document.field("b", "x\n").unwrap();
        document.end_object().unwrap();
        document.array(items, |item| item).unwrap();
        document.value(&Value::Null).unwrap();
        document.end_array().unwrap();
        document.end_object().unwrap();
        document.finish().unwrap();
        out
    }

    /// What [`written`] writes, as one value.
    #[derive(Serialize)]
    struct Whole<'a> {
        a: u32,
        rows: &'a [Value],
        nested: (Nested, &'a [Value], ()),
    }

    #[derive(Serialize)]
    struct Nested {
        empty: [Value; 0],
        b: &'static str,
    }

    #[test]
    fn prints_what_serde_json_prints_of_the_whole() {
        // No entry, one, and enough for several pieces and batches.
        for count in [0, 1, 2, PIECE * 32 * 2 + 3] {
            let items: Vec<Value> =
                (0..count).map(|i| json!({"i": i, "s": format!("\"{i}\"\t"), "list": [i, [], {}]})).collect();
            let whole = Whole { a: 1, rows: &items, nested: (Nested { empty: [], b: "x\n" }, &items, ()) };
            let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
            expected.push(b'\n');
            assert!(written(&items) == expected, "{count} entries: the outputs differ");
        }
    }
}
