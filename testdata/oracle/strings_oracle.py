#!/usr/bin/env python3
"""Independent oracle for the values ssot gives Python string literals
(`src/python/strings.rs`): CPython's own `ast.literal_eval`.

Reads a JSON list of string-literal token texts (prefix, quotes, body) on stdin
and writes a JSON list of the same length on stdout, each item one of:
    {"str": "value"}      the token is a `str` constant with that value
    {"bytes": true}       the token is a bytes constant
    {"surrogate": true}   a `str` holding a lone surrogate (no Rust `String` can)
    {"error": "..."}      CPython refuses the token (SyntaxError, ValueError, ...)
"""

import ast
import json
import sys
import warnings


def value(text):
    with warnings.catch_warnings():
        # Invalid escapes (`\d`) are a DeprecationWarning or SyntaxWarning, not an error.
        warnings.simplefilter("ignore")
        try:
            v = ast.literal_eval(text)
        except (SyntaxError, ValueError) as err:
            return {"error": f"{type(err).__name__}: {err}"}
    if isinstance(v, bytes):
        return {"bytes": True}
    if not isinstance(v, str):
        return {"error": f"not a string: {type(v).__name__}"}
    if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
        return {"surrogate": True}
    return {"str": v}


def main():
    texts = json.load(sys.stdin)
    json.dump([value(text) for text in texts], sys.stdout)


if __name__ == "__main__":
    main()
