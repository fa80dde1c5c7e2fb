#!/usr/bin/env python3
"""Independent oracle for ssot's Python tokenizer (`src/python/tokens.rs`).

ssot tokenizes Python in Rust, in one pass over the bytes; this script re-derives
the same token stream from CPython's own `tokenize` module (standard library
only, written against Python 3.11, whose `tokenize` yields an f-string as one
STRING token) so that the two can be compared in a differential test
(`tests/differential_tokens.rs`).

Usage:
    python3 tokens_oracle.py [--skip-dir NAME]... [--jobs N] PATH...

Each PATH is a file or a directory (walked recursively for `*.py`, directory and
file names sorted, `__pycache__` and `--skip-dir` names not entered).  Output
(stdout), one JSON object per file, in path order:
    {"path": "/abs/or/given/path.py", "tokens": [["NAME", 0, 1], ["OP", 2, 3], ...]}
    {"path": "/abs/or/given/bad.py", "error": "TokenError: ..."}

A token is [type, start byte, end byte): byte offsets into the file's UTF-8
bytes, end exclusive.  `type` is `tokenize.tok_name[token.type]` (so every
operator is OP, never its exact type); ENCODING, NL and ENDMARKER are dropped,
leaving NAME, NUMBER, STRING, OP, COMMENT, NEWLINE, INDENT and DEDENT.  The file
is read as UTF-8 with `newline=''`, so lines split on `\\n`, `\\r\\n` and `\\r`
as `tokenize` expects and columns (characters of the line) convert exactly to
bytes; a leading UTF-8 BOM is skipped (offsets still count its 3 bytes).

A file is an error record when reading or tokenizing it raises
(UnicodeDecodeError, TokenError, IndentationError, SyntaxError, ...), and also
when `tokenize` yields an ERRORTOKEN: Python 3.11's `tokenize` does not raise on
a character that starts no token (`$`, `?`, a lone `!`, a stray backslash, a
lone `\\r` line end, an unterminated single-quoted string) but reports it as an
ERRORTOKEN and goes on.

Normalisations (the only places where the output is not `tokenize`'s verbatim):
  * The NEWLINE at end of file.  `tokenize` ends a last line without a line
    break with NEWLINE '' one column wide (its end is one column past the end
    of the file), and omits it when that last physical line starts with `#`,
    even when the `#` is inside a string that ends there.  The oracle drops
    tokenize's NEWLINE '' and emits a zero-width NEWLINE at the end of the file
    exactly when the last logical line has tokens (comments aside) not yet
    ended by a NEWLINE.
  * The DEDENTs at end of file.  `tokenize` puts them at column 0 of the line
    after the last one it read, which is the start of a trailing
    whitespace-only line without line break when there is one; the oracle puts
    them at the end of the file (zero-width), where they are otherwise.
"""

import argparse
import io
import json
import os
import sys
import tokenize
import warnings

DROPPED = {tokenize.ENCODING, tokenize.NL, tokenize.ENDMARKER}


def iter_paths(paths, skip_dirs):
    """Yield every file named in `paths`, directories walked for `*.py`, sorted."""
    for root in paths:
        if not os.path.isdir(root):
            yield root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and d not in skip_dirs)
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


def tokens_of(path):
    """The output record (a dict) for one file."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        return {"path": path, "error": "%s: %s" % (type(err).__name__, err)}
    bom = 0
    if text.startswith("\ufeff"):
        text, bom = text[1:], 3
    lines = io.StringIO(text, newline="").readlines()
    starts, ascii_lines, offset = [], [], bom
    for line in lines:
        starts.append(offset)
        ascii_lines.append(line.isascii())
        offset += len(line.encode("utf-8"))
    total = offset

    def byte(row, col):
        if row > len(lines):
            return total
        if ascii_lines[row - 1]:
            return starts[row - 1] + col
        return starts[row - 1] + len(lines[row - 1][:col].encode("utf-8"))

    it = iter(lines)
    out = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tok in tokenize.generate_tokens(lambda: next(it, "")):
                if tok.type in DROPPED:
                    continue
                if tok.type == tokenize.ERRORTOKEN:
                    row, col = tok.start
                    return {"path": path, "error": "ERRORTOKEN %r at %d:%d" % (tok.string, row, col)}
                if tok.type == tokenize.NEWLINE and tok.string == "":
                    continue  # recomputed below
                name = tokenize.tok_name[tok.type]
                out.append([name, byte(*tok.start), byte(*tok.end)])
    except (tokenize.TokenError, SyntaxError, ValueError) as err:
        # IndentationError and TabError are SyntaxErrors.
        return {"path": path, "error": "%s: %s" % (type(err).__name__, err)}

    # Trailing DEDENTs are the end-of-file ones: set them aside, add the final NEWLINE.
    dedents = 0
    while out and out[-1][0] == "DEDENT":
        out.pop()
        dedents += 1
    last = next((tok[0] for tok in reversed(out) if tok[0] != "COMMENT"), None)
    if last is not None and last != "NEWLINE":
        out.append(["NEWLINE", total, total])
    out.extend(["DEDENT", total, total] for _ in range(dedents))
    return {"path": path, "tokens": out}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument("--skip-dir", action="append", default=[], metavar="NAME",
                        help="do not enter directories with this name (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: one per CPU)")
    args = parser.parse_args(argv)
    paths = list(iter_paths(args.paths, set(args.skip_dir)))
    out = sys.stdout
    out.reconfigure(encoding="utf-8", errors="backslashreplace")
    if args.jobs > 1 and len(paths) > 1:
        import multiprocessing

        with multiprocessing.Pool(args.jobs) as pool:
            records = pool.imap(tokens_of, paths, chunksize=8)
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        for path in paths:
            out.write(json.dumps(tokens_of(path), ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
