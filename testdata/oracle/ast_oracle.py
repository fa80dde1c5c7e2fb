#!/usr/bin/env python3
"""Independent oracle for ssot's `relative-import` and `direct-env-access` rules.

ssot itself is written in Rust on top of tree-sitter; this script re-derives the
same findings from CPython's own `ast` module (standard library only, Python
3.11+) so that the two can be compared in a differential test.

Usage:
    python3 ast_oracle.py [--rules relative-import,direct-env-access] ROOT
    python3 ast_oracle.py --self-test

Output (stdout), one JSON object per line, sorted by (path, line, column, rule):
    {"path": "pkg/mod.py", "rule": "direct-env-access", "line": 3, "column": 5}
    {"path": "pkg/bad.py", "skipped": "parse-error"}

`line` is 1-based; `column` is 1-based and counted in Unicode characters (code
points) of the line, a leading UTF-8 BOM not counted.  Skip reasons are one of
"unreadable", "nul-byte", "invalid-utf8", "parse-error".

Rules (see the ssot rule docs for the prose; this file is the executable spec):

relative-import
    One finding per `ast.ImportFrom` with `level > 0`, at the `from` keyword.

direct-env-access
    ENV = environ, environb, getenv, getenvb, putenv, unsetenv.
    OS aliases: names bound by `import os` (os), `import os as X` (X),
    `import os.<sub>` without `as` (os) -- but not `import os.<sub> as X` --
    plus the name `os` itself when the file binds `os` nowhere (imports, Name
    Store/Del, parameters, def/class names, except-as, match captures, type
    parameters; global/nonlocal do not bind).
    Finding: every ast.Attribute (any ctx) `ALIAS.ATTR` with ALIAS an ast.Name
    that is an OS alias and ATTR in ENV, at the start of the Attribute.
    FROM-NAMES: names bound by `from os import <ENV name> [as X]` (level 0,
    module exactly `os`), anywhere in the file.
    Finding: every ast.Name with Load ctx whose id is in FROM-NAMES.
    Identical findings (same rule, line and column) are reported once.

Positions inside f-strings: on Python >= 3.12 (PEP 701) ast positions are
exact.  On 3.11 they are right in the common cases but wrong for some nested
f-strings (e.g. a nested multi-line triple-quoted f-string), so on < 3.12 the
expressions of every f-string replacement field are re-located from the source
text and re-parsed (see `_FStringFixer`).
"""

import argparse
import ast
import json
import os
import re
import stat
import sys
import tempfile
import time
import warnings

RULE_RELATIVE_IMPORT = "relative-import"
RULE_DIRECT_ENV_ACCESS = "direct-env-access"
ALL_RULES = (RULE_RELATIVE_IMPORT, RULE_DIRECT_ENV_ACCESS)

ENV = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})

SKIP_UNREADABLE = "unreadable"
SKIP_NUL = "nul-byte"
SKIP_UTF8 = "invalid-utf8"
SKIP_PARSE = "parse-error"

# CPython's tokenizer treats exactly these as line breaks (not \f, \v, \x1c...,
# which str.splitlines() would also split on).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_NEEDS_FSTRING_FIX = sys.version_info < (3, 12)

# Counters for diagnostics (only printed with --stats).
STATS = {"fstring_groups_fixed": 0, "fstring_fix_fallbacks": 0}


# --------------------------------------------------------------------------
# Positions
# --------------------------------------------------------------------------


def _byte_to_char_col(line, byte_col):
    """0-based UTF-8 byte offset in `line` -> 0-based code point offset."""
    if byte_col <= 0:
        return 0
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def _char_to_byte_col(line, char_col):
    if line.isascii():
        return char_col
    return len(line[:char_col].encode("utf-8"))


class _Lines:
    def __init__(self, text):
        self.lines = _LINE_BREAK.split(text)

    def line(self, lineno):
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1]
        return ""

    def char_col(self, lineno, byte_col):
        return _byte_to_char_col(self.line(lineno), byte_col)


# --------------------------------------------------------------------------
# f-string position fix for Python < 3.12
# --------------------------------------------------------------------------


class _ScanError(Exception):
    pass


class _FStringFixer:
    """Re-locate f-string replacement-field expressions (Python < 3.12 only).

    For every outermost ast.JoinedStr, the source segment it spans (its own
    position is right: it comes from the main parser) is re-scanned with a
    transcription of CPython 3.11's f-string scanner (Parser/string_parser.c:
    fstring_find_literal / fstring_find_expr), every field's expression text is
    parsed again as "(" + text + ")" -- as CPython does -- recursively fixed
    for nested f-strings, shifted to absolute positions, and spliced into the
    tree in place of FormattedValue.value.  If anything does not line up, the
    JoinedStr keeps ast's own positions (counted in STATS).
    """

    def __init__(self, text):
        # Line breaks normalised to \n: line numbers and columns are unchanged.
        self.norm = _LINE_BREAK.sub("\n", text)
        self.lines = self.norm.split("\n")
        self.line_starts = []
        pos = 0
        for line in self.lines:
            self.line_starts.append(pos)
            pos += len(line) + 1

    def fix(self, tree):
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.JoinedStr):
                try:
                    self._fix_joined(node)
                    STATS["fstring_groups_fixed"] += 1
                except (_ScanError, IndexError, SyntaxError, ValueError):
                    STATS["fstring_fix_fallbacks"] += 1
                continue
            stack.extend(ast.iter_child_nodes(node))

    # -- helpers ---------------------------------------------------------

    def _offset(self, lineno, byte_col):
        line = self.lines[lineno - 1]
        return self.line_starts[lineno - 1] + _byte_to_char_col(line, byte_col)

    def _line_col(self, offset):
        # 0-based line index and char column of a char offset in self.norm
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo, offset - self.line_starts[lo]

    @staticmethod
    def _formatted_values(joined):
        for value in joined.values:
            if isinstance(value, ast.FormattedValue):
                yield value
                if isinstance(value.format_spec, ast.JoinedStr):
                    yield from _FStringFixer._formatted_values(value.format_spec)

    # -- main steps --------------------------------------------------------

    def _fix_joined(self, joined):
        start = self._offset(joined.lineno, joined.col_offset)
        end = self._offset(joined.end_lineno, joined.end_col_offset)
        fields = []
        _scan_string_group(self.norm, start, end, fields)
        fvs = list(self._formatted_values(joined))
        if len(fields) != len(fvs):
            raise _ScanError("field count mismatch")
        new_values = [self._parse_field(off, text) for off, text in fields]
        for fv, new in zip(fvs, new_values):
            fv.value = new

    def _parse_field(self, offset, text):
        sub_src = "(" + text + ")"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub = ast.parse(sub_src, mode="eval")
        _FStringFixer(sub_src).fix(sub)  # nested f-strings, relative to sub_src
        sub_lines = sub_src.split("\n")
        line0, col0 = self._line_col(offset)

        def shift(lineno, byte_col):
            ccol = _byte_to_char_col(sub_lines[lineno - 1], byte_col)
            if lineno == 1:
                abs_idx, abs_ccol = line0, col0 + ccol - 1  # minus the "("
            else:
                abs_idx, abs_ccol = line0 + lineno - 1, ccol
            return abs_idx + 1, _char_to_byte_col(self.lines[abs_idx], abs_ccol)

        for node in ast.walk(sub.body):
            if getattr(node, "lineno", None) is not None and getattr(node, "col_offset", None) is not None:
                node.lineno, node.col_offset = shift(node.lineno, node.col_offset)
            if getattr(node, "end_lineno", None) is not None and getattr(node, "end_col_offset", None) is not None:
                node.end_lineno, node.end_col_offset = shift(node.end_lineno, node.end_col_offset)
        return sub.body


def _scan_string_group(s, i, end, fields):
    """Scan implicitly concatenated string literals in s[i:end]."""
    while i < end:
        c = s[i]
        if c in " \t\f\n":
            i += 1
            continue
        if c == "\\":  # line continuation
            i += 2
            continue
        if c == "#":
            while i < end and s[i] != "\n":
                i += 1
            continue
        j = i
        while j < end and s[j].isascii() and s[j].isalpha():
            j += 1
        prefix = s[i:j].lower()
        if j >= end or s[j] not in "'\"":
            raise _ScanError("expected a string literal")
        quote = s[j]
        qlen = 3 if s.startswith(quote * 3, j) else 1
        body_start = k = j + qlen
        while True:
            if k >= end:
                raise _ScanError("unterminated string literal")
            if s[k] == "\\":
                k += 2
                continue
            if s.startswith(quote * qlen, k):
                break
            k += 1
        body_end = k
        i = k + qlen
        if "f" in prefix:
            pos = _fstring_parse(s, body_start, body_end, "r" in prefix, 0, fields)
            if pos != body_end:
                raise _ScanError("f-string not consumed")


def _fstring_parse(s, i, end, raw, lvl, fields):
    while True:
        i, doubled = _find_literal(s, i, end, raw, lvl)
        if doubled:
            continue
        if i >= end or s[i] == "}":
            return i
        i = _find_expr(s, i, end, raw, lvl, fields)


def _find_literal(s, i, end, raw, lvl):
    while i < end:
        ch = s[i]
        i += 1
        if not raw and ch == "\\" and i < end:
            ch = s[i]
            i += 1
            if ch == "N":
                if i < end:
                    c2 = s[i]
                    i += 1
                    if c2 == "{":
                        while i < end:
                            c3 = s[i]
                            i += 1
                            if c3 == "}":
                                break
                continue
        if ch == "{" or ch == "}":
            if lvl == 0:
                if i < end and s[i] == ch:
                    return i + 1, True
                if ch == "}":
                    raise _ScanError("single '}'")
            return i - 1, False
    return i, False


def _find_expr(s, i, end, raw, lvl, fields):
    if lvl >= 2:
        raise _ScanError("nested too deeply")
    i += 1  # the '{'
    expr_start = i
    quote = None
    triple = False
    depth = 0
    while i < end:
        ch = s[i]
        if ch == "\\":
            raise _ScanError("backslash in expression")
        if quote:
            if ch == quote:
                if triple:
                    if i + 2 < end and s[i + 1] == ch and s[i + 2] == ch:
                        i += 3
                        quote = None
                        continue
                else:
                    quote = None
            i += 1
            continue
        if ch in "'\"":
            if i + 2 < end and s[i + 1] == ch and s[i + 2] == ch:
                triple = True
                i += 2
            else:
                triple = False
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch == "#":
            raise _ScanError("'#' in expression")
        elif depth == 0 and ch in "!:}=<>":
            if i + 1 < end and s[i + 1] == "=" and ch in "!=<>":
                i += 2
                continue
            if ch in "<>":
                i += 1
                continue
            break
        elif ch in ")]}":
            if depth == 0:
                raise _ScanError("unmatched bracket")
            depth -= 1
        i += 1
    if quote or depth or i >= end:
        raise _ScanError("unterminated expression")
    fields.append((expr_start, s[expr_start:i]))
    if s[i] == "=":
        i += 1
        while i < end and s[i] in " \t\n\r\f\v":
            i += 1
        if i >= end:
            raise _ScanError("unexpected end")
    if s[i] == "!":
        i += 2
        if i >= end:
            raise _ScanError("unexpected end")
    if s[i] == ":":
        i += 1
        if i >= end:
            raise _ScanError("unexpected end")
        i = _fstring_parse(s, i, end, raw, lvl + 1, fields)
    if i >= end or s[i] != "}":
        raise _ScanError("expected '}'")
    return i + 1


# --------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------


def parse_source(text, filename="<oracle>"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
        tree = ast.parse(text, filename, feature_version=None)
    if _NEEDS_FSTRING_FIX:
        _FStringFixer(text).fix(tree)
    return tree


_TYPE_PARAM_CLASSES = tuple(
    getattr(ast, name) for name in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, name)
)


def analyse_tree(tree, lines, rules):
    """Return a sorted list of unique (line, column, rule), 1-based char column."""
    relative = []  # nodes
    bound = set()
    os_aliases = set()
    from_names = set()
    env_attrs = []
    loads = []

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.append(node)
            else:  # Store, Del
                bound.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr in ENV and isinstance(node.value, ast.Name):
                env_attrs.append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound.add(alias.asname)
                    if alias.name == "os":
                        os_aliases.add(alias.asname)
                else:
                    top = alias.name.split(".")[0]
                    bound.add(top)
                    if top == "os":
                        os_aliases.add("os")
        elif isinstance(node, ast.ImportFrom):
            if node.level and node.level > 0:
                relative.append(node)
            for alias in node.names:
                if alias.name == "*":
                    continue
                name = alias.asname or alias.name
                bound.add(name)
                if (not node.level) and node.module == "os" and alias.name in ENV:
                    from_names.add(name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, ast.MatchMapping):
            if node.rest:
                bound.add(node.rest)
        elif _TYPE_PARAM_CLASSES and isinstance(node, _TYPE_PARAM_CLASSES):
            bound.add(node.name)

    if "os" not in bound:
        os_aliases.add("os")

    out = set()

    def add(node, rule):
        lineno = node.lineno
        out.add((lineno, lines.char_col(lineno, node.col_offset) + 1, rule))

    if RULE_RELATIVE_IMPORT in rules:
        for node in relative:
            add(node, RULE_RELATIVE_IMPORT)
    if RULE_DIRECT_ENV_ACCESS in rules:
        for node in env_attrs:
            if node.value.id in os_aliases:
                add(node, RULE_DIRECT_ENV_ACCESS)
        if from_names:
            for node in loads:
                if node.id in from_names:
                    add(node, RULE_DIRECT_ENV_ACCESS)
    return sorted(out)


def analyse_bytes(data, rules=ALL_RULES, filename="<oracle>"):
    """Return ("skipped", reason) or ("findings", [(line, column, rule), ...])."""
    if b"\x00" in data:
        return "skipped", SKIP_NUL
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "skipped", SKIP_UTF8
    try:
        tree = parse_source(text, filename)
    except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError...
        return "skipped", SKIP_PARSE
    return "findings", analyse_tree(tree, _Lines(text), rules)


# --------------------------------------------------------------------------
# Walking and output
# --------------------------------------------------------------------------


def _display_path(rel):
    rel = rel.replace(os.sep, "/")
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped undecodable bytes
        rel = os.fsencode(rel).decode("utf-8", errors="replace")
    return rel


SKIP_DIRS = set()


def iter_source_files(root):
    """Yield (relative display path, full path) for every .py/.pyi under root."""
    if os.path.isfile(root):
        yield _display_path(os.path.basename(root)), root
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d != "__pycache__" and d not in SKIP_DIRS
            and not os.path.islink(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            if not (name.endswith(".py") or name.endswith(".pyi")):
                continue
            full = os.path.join(dirpath, name)
            try:
                if not stat.S_ISREG(os.lstat(full).st_mode):
                    continue  # symlinks, fifos, ...
            except OSError:
                pass  # reported as unreadable below
            yield _display_path(os.path.relpath(full, root)), full


def run(root, rules):
    """Return (records, summary) where records are the output dicts, sorted."""
    keyed = []
    summary = {"files": 0, "analysed": 0, "skipped": {}, "findings": {r: 0 for r in rules}}
    for rel, full in iter_source_files(root):
        summary["files"] += 1
        try:
            with open(full, "rb") as fh:
                data = fh.read()
        except OSError:
            kind, payload = "skipped", SKIP_UNREADABLE
        else:
            kind, payload = analyse_bytes(data, rules, full)
        if kind == "skipped":
            summary["skipped"][payload] = summary["skipped"].get(payload, 0) + 1
            keyed.append(((rel, 0, 0, ""), {"path": rel, "skipped": payload}))
            continue
        summary["analysed"] += 1
        for line, col, rule in payload:
            summary["findings"][rule] += 1
            keyed.append(((rel, line, col, rule), {"path": rel, "rule": rule, "line": line, "column": col}))
    keyed.sort(key=lambda kv: kv[0])
    return [rec for _, rec in keyed], summary


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------

E = RULE_DIRECT_ENV_ACCESS
R = RULE_RELATIVE_IMPORT


def _f(src, rules=ALL_RULES):
    data = src if isinstance(src, bytes) else src.encode("utf-8")
    kind, payload = analyse_bytes(data, rules)
    assert kind == "findings", (src, kind, payload)
    return [(rule, line, col) for line, col, rule in payload]


def _check(src, expected, rules=ALL_RULES):
    got = _f(src, rules)
    exp = sorted(expected, key=lambda t: (t[1], t[2], t[0]))
    assert got == exp, "\nsource: %r\nexpected: %r\ngot:      %r" % (src, exp, got)


def _self_tests():
    tests = []

    def test(fn):
        tests.append(fn)
        return fn

    @test
    def relative_imports():
        _check("from . import x\nfrom .m import y\nfrom ..a.b import c\nfrom a import b\nimport a.b\n"
               "if x:\n    from ... import z\nfrom .os import environ\nenviron\n",
               [(R, 1, 1), (R, 2, 1), (R, 3, 1), (R, 7, 5), (R, 8, 1)])
        _check("x = 1; from . import y", [(R, 1, 8)])
        _check("from . import (\n  a,\n  b)\n", [(R, 1, 1)])
        _check("from . import x\n", [], rules=(E,))

    @test
    def env_attributes():
        _check("import os\nos.environ\nos.getenv('A')\nos.environ.get('A')\nos.environb[b'x']\n"
               "os.putenv('A', '1')\nos.unsetenv('A')\nos.getenvb(b'A')\nos.path.join('a')\n"
               "os.environ_x\nx.os.environ\nos.environ.copy().get('A')\n",
               [(E, 2, 1), (E, 3, 1), (E, 4, 1), (E, 5, 1), (E, 6, 1), (E, 7, 1), (E, 8, 1), (E, 12, 1)])
        _check("import os\nos.environ\n", [], rules=(R,))
        _check("import os\ndef f():\n    return {'a': os.environ['A']}\n", [(E, 3, 18)])

    @test
    def store_and_del_ctx():
        _check("import os\nos.environ = {}\ndel os.environ\nos.environ['A'] = '1'\n"
               "os.environ, x = 1, 2\nfor os.environ in []: pass\n",
               [(E, 2, 1), (E, 3, 5), (E, 4, 1), (E, 5, 1), (E, 6, 5)])

    @test
    def import_forms():
        # import os as o binds o; os is bound nowhere, so bare os counts too
        _check("import os as o\no.environ\nos.environ\n", [(E, 2, 1), (E, 3, 1)])
        _check("import os as o\nos = 1\no.environ\nos.environ\n", [(E, 3, 1)])
        _check("import os.path\nos.environ\n", [(E, 2, 1)])
        _check("import os.path\nos = None\nos.environ\n", [(E, 3, 1)])  # os stays an alias
        _check("import os.path as p\np.environ\nos.environ\n", [(E, 3, 1)])
        _check("import os.path as p\nimport sys as os\np.environ\nos.environ\n", [])
        _check("import sys, os as q\nq.getenv('A')\n", [(E, 2, 1)])
        _check("import osx\nosx.environ\n", [])
        _check("import osx as os\nos.environ\n", [])
        _check("from x import os\nos.environ\n", [])
        _check("from os import path as os\nos.environ\n", [])

    @test
    def os_rebinding():
        _check("os = get()\nos.environ\n", [])
        _check("os.environ\n", [(E, 1, 1)])
        _check("global os\nos.environ\n", [(E, 2, 1)])
        _check("def f():\n    nonlocal os\n    os.environ\n", [(E, 3, 5)])
        for binder in [
            "def f(os): pass", "def f(*, os): pass", "def f(os, /): pass", "def f(*os): pass",
            "def f(**os): pass", "lambda os: 0", "def os(): pass", "async def os(): pass",
            "class os: pass", "try: pass\nexcept E as os: pass", "for os in []: pass",
            "with x as os: pass", "del os", "(os := 1)", "[0 for os in []]", "os += 1",
            "os: int", "import sys as os", "from sys import os", "import os.path as p\nos = 1",
            "match x:\n    case os: pass", "match x:\n    case [*os]: pass",
            "match x:\n    case {**os}: pass", "match x:\n    case (1 as os): pass",
            "f'{(os := 1)}'",
        ]:
            _check(binder + "\nos.environ\n", [])
        if sys.version_info >= (3, 12):
            _check("def f[os](): pass\nos.environ\n", [])
            _check("class C[*os]: pass\nos.environ\n", [])
            _check("type T[**os] = int\nos.environ\n", [])
            _check("type os = int\nos.environ\n", [])

    @test
    def from_names():
        _check("from os import getenv as ge\nge('A')\ngetenv('A')\n", [(E, 2, 1)])
        _check("from os import environ\nenviron['A']\ndef f(environ):\n    return environ\nenviron = 1\n"
               "del environ\nx = [environ for environ in y]\n",
               [(E, 2, 1), (E, 4, 12), (E, 7, 6)])
        _check("x = environ\nif y:\n    from os import environ, path, getenv\n", [(E, 1, 5)])
        _check("from os import path\npath\nfrom os.path import environ\nenviron\n", [])
        _check("from os import (environ as e, putenv)\ne; putenv; environ\n", [(E, 2, 1), (E, 2, 4)])
        _check("from os import *\nenviron\n", [])
        _check("from os import environ\nimport os\nos.environ\n", [(E, 3, 1)])
        # ast.Name `environ` used as attribute value: os-alias rule doesn't apply, but the Load does
        _check("from os import environ\nenviron.get('A')\n", [(E, 2, 1)])
        # the same position from both bullets is reported once
        _check("from os import environ as os\nos.environ\n", [(E, 2, 1)])

    @test
    def unicode_columns():
        _check("import os\ns = 'héllo'; x = os.environ\n", [(E, 2, 18)])
        _check("import os\nd = {'日本': 1, '😀': os.getenv('X')}\n", [(E, 2, 20)])
        _check("é = 1; from . import x\n", [(R, 1, 8)])
        _check("x = '\u00e9\u00e9'; from os import environ as é\ny = ('ü', é)\n", [(E, 2, 11)])

    @test
    def bom():
        _check(b"\xef\xbb\xbfos.environ\n", [(E, 1, 1)])
        _check(b"\xef\xbb\xbfimport os\nx = os.environ\n", [(E, 2, 5)])
        _check(b"\xef\xbb\xbfx = 1; from . import y\n", [(R, 1, 8)])

    @test
    def line_endings():
        _check("import os\r\nx = 1\r\ny = os.environ\r\n", [(E, 3, 5)])
        _check("import os\rx = 1\ry = os.environ\r", [(E, 3, 5)])
        _check("import os\nx = 1;\x0cy = os.environ\n", [(E, 2, 12)])  # \f is not a line break

    @test
    def fstrings():
        _check("import os\nx = f\"{os.environ['A']}\"\n", [(E, 2, 8)])
        _check("import os\nx = f\"os.environ {os.environ}\"\n", [(E, 2, 19)])
        _check("import os\nx = f'{x:{os.environ}}'\n", [(E, 2, 11)])
        _check("import os\nx = f'{os.environ!r:>{os.getenv(\"W\")}}'\n", [(E, 2, 8), (E, 2, 23)])
        _check("import os\nx = f'{os.environ=}'\n", [(E, 2, 8)])
        _check("import os\nx = 'a' f'é{os.environ}'\n", [(E, 2, 13)])
        _check("import os\nx = f'{a}' f'{os.environ}'\n", [(E, 2, 15)])
        _check("import os\nx = f'\\N{EM DASH}{os.environ}'\n", [(E, 2, 19)])
        _check("import os\nx = f'{{os.environ}}{os.environ}'\n", [(E, 2, 22)])
        _check("import os\nx = f'a\\\nbb{os.environ}'\n", [(E, 3, 4)])
        _check("import os\nx = (1,\n     f\"\"\"abc\n  {os.environ}\"\"\")\n", [(E, 4, 4)])
        _check("import os\nx = f\"\"\"{\n   os.environ}\"\"\"\n", [(E, 3, 4)])
        _check("import os\nx = (f'{a}'  # c\n     f'b{os.environ}')\n", [(E, 3, 10)])
        _check("import os\nx = f\"{f'{os.environ}'}\"\n", [(E, 2, 11)])
        # nested multi-line triple-quoted f-string: CPython 3.11's own positions are wrong here
        _check("from os import getenv as g\ny = f'''{f\"\"\"{g}\n{os.environ}\"\"\"}'''\n",
               [(E, 2, 15), (E, 3, 2)])
        _check("from os import getenv as g\né = f'''{f\"\"\"{g}\n{g}\"\"\"}'''\n", [(E, 2, 15), (E, 3, 2)])
        _check("from os import getenv as ge\nprint(f'{ge(\"A\")}', f\"{ge('B')!r}\")\n", [(E, 2, 10), (E, 2, 24)])
        _check("import os\nx = rf'\\{os.environ}'\n", [(E, 2, 10)])

    @test
    def parenthesised_value():
        # the Attribute starts at the parenthesis, the Name one column later
        _check("import os\n(os).environ\n", [(E, 2, 1)])

    @test
    def skipped():
        for data, reason in [
            (b"import os\x00\n", SKIP_NUL),
            (b"x = '\xe9'\n", SKIP_UTF8),
            (b"\xef\xbb\xbf\xef\xbb\xbfx = 1\n", SKIP_PARSE),  # second BOM is a character
            (b"def f(:\n", SKIP_PARSE),
            (b"x = '\xed\xa0\x80'\n", SKIP_UTF8),  # encoded surrogate
            (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", SKIP_UTF8),
            (b"x = " + b"(" * 300 + b")" * 300 + b"\n", SKIP_PARSE),  # too deeply nested
        ]:
            kind, payload = analyse_bytes(data)
            assert (kind, payload) == ("skipped", reason), (data[:40], kind, payload)
        # a coding cookie does not matter when the text is valid UTF-8
        _check("# -*- coding: latin-1 -*-\nimport os\nx = 'é'; os.environ\n", [(E, 3, 10)])

    @test
    def walker_and_output():
        with tempfile.TemporaryDirectory() as tmp:
            def write(rel, data):
                full = os.path.join(tmp, *rel.split("/"))
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as fh:
                    fh.write(data)
            write("b.py", b"from . import x\nimport os\nos.environ\n")
            write("a/z.pyi", b"from os import environ\n")
            write("a/c.py", b"x = 'caf\xc3\xa9'; from .m import y\n")
            write("a/bad.py", b"def (\n")
            write("a/nul.py", b"\x00")
            write("a/latin.py", b"x = '\xe9'\n")
            write(".hidden/h.py", b"from . import x\n")
            write("a/.hid/h.py", b"from . import x\n")
            write("__pycache__/p.py", b"from . import x\n")
            write("a/__pycache__/p.py", b"from . import x\n")
            write("a/not_python.txt", b"from . import x\n")
            write("a/.dot.py", b"from . import x\n")
            try:
                os.symlink(os.path.join(tmp, "b.py"), os.path.join(tmp, "a", "link.py"))
                os.symlink(os.path.join(tmp, "a"), os.path.join(tmp, "linkdir"))
            except OSError:
                pass
            records, summary = run(tmp, ALL_RULES)
            lines = [json.dumps(r, ensure_ascii=False) for r in records]
            expected = [
                '{"path": "a/.dot.py", "rule": "relative-import", "line": 1, "column": 1}',
                '{"path": "a/bad.py", "skipped": "parse-error"}',
                '{"path": "a/c.py", "rule": "relative-import", "line": 1, "column": 13}',
                '{"path": "a/latin.py", "skipped": "invalid-utf8"}',
                '{"path": "a/nul.py", "skipped": "nul-byte"}',
                '{"path": "b.py", "rule": "relative-import", "line": 1, "column": 1}',
                '{"path": "b.py", "rule": "direct-env-access", "line": 3, "column": 1}',
            ]
            assert lines == expected, "\n".join(lines)
            assert summary["analysed"] == 4 and summary["files"] == 7, summary
            records, _ = run(tmp, (R,))
            assert [r.get("rule") for r in records if "rule" in r] == [R, R, R], records

    @test
    def sort_order_same_position():
        got = _f("from . import x; import os\nos.environ\n")
        assert got == [(R, 1, 1), (E, 2, 1)], got

    failures = 0
    for fn in tests:
        try:
            fn()
        except AssertionError as exc:
            failures += 1
            print("FAIL %s: %s" % (fn.__name__, exc), file=sys.stderr)
        except Exception as exc:  # noqa: BLE001
            failures += 1
            print("ERROR %s: %r" % (fn.__name__, exc), file=sys.stderr)
        else:
            print("ok   %s" % fn.__name__, file=sys.stderr)
    print("%d passed, %d failed" % (len(tests) - failures, failures))
    return failures == 0


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _parse_rules(value):
    rules = tuple(r.strip() for r in value.split(",") if r.strip())
    unknown = [r for r in rules if r not in ALL_RULES]
    if unknown or not rules:
        raise argparse.ArgumentTypeError(
            "unknown rule(s) %s; choose from %s" % (", ".join(unknown) or "(none)", ",".join(ALL_RULES)))
    return rules


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", help="directory (or single file) to analyse")
    parser.add_argument("--rules", type=_parse_rules, default=ALL_RULES,
                        help="comma-separated subset of: " + ",".join(ALL_RULES))
    parser.add_argument("--self-test", action="store_true", help="run the built-in tests")
    parser.add_argument("--stats", action="store_true", help="print a summary to stderr")
    parser.add_argument("--skip-dir", action="append", default=[], metavar="NAME",
                        help="do not enter directories with this name (repeatable)")
    args = parser.parse_args(argv)
    SKIP_DIRS.update(args.skip_dir)

    if args.self_test:
        return 0 if _self_tests() else 1
    if args.root is None:
        parser.error("ROOT is required (or --self-test)")
    if not os.path.exists(args.root):
        parser.error("no such file or directory: %s" % args.root)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    started = time.monotonic()
    records, summary = run(args.root, args.rules)
    out = sys.stdout
    try:
        out.reconfigure(encoding="utf-8", errors="backslashreplace")
    except (AttributeError, ValueError):
        pass
    try:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 0
    if args.stats:
        summary["seconds"] = round(time.monotonic() - started, 2)
        summary["python"] = sys.version.split()[0]
        summary.update(STATS)
        print(json.dumps(summary, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
