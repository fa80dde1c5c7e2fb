#!/usr/bin/env python3
"""Independent oracle for six ssot rules that need scopes or a whole project.

Rules: duplicate-manager-class, scattered-event-literal, duplicate-string-constant,
magic-none, missing-mock-import, mock-in-real-test.

ssot itself is written in Rust on top of tree-sitter; this script re-derives the
same findings from CPython's own `ast` module (standard library only, Python
3.11+) so that the two can be compared in a differential test.  It is standalone:
the file walking, decoding, column conversion and f-string position fix are
copies of those in the sibling ast_oracle.py.

Usage:
    python3 project_oracle.py [--rules r1,r2] [--skip-dir NAME]... [--config JSON] ROOT
    python3 project_oracle.py --self-test

--config takes a JSON object of rule options, absent ones taking the defaults:
    {"duplicate-manager-class":   {"suffixes": ["Manager"], "services": []},
     "scattered-event-literal":   {"events": [], "canonical": []},
     "duplicate-string-constant": {"min-length": 3, "ignore-names": []},
     "mock-in-real-test":         {"paths": ["**/e2e/**"]}}
(a "severity" key is accepted and ignored; any other unknown key is an error).

Output (stdout), one JSON object per line, sorted by (path, line, column, rule):
    {"path": "a/m.py", "rule": "magic-none", "line": 3, "column": 5}
    {"path": "a/m.py", "rule": "duplicate-manager-class", "line": 1, "column": 7,
     "related": [["b/n.py", 4, 7]]}
    {"path": "a/bad.py", "skipped": "parse-error"}
`related` (sorted, [path, line, column] each) is present exactly for the two
multi-file rules, duplicate-manager-class and duplicate-string-constant.
`line` is 1-based; `column` is 1-based and counted in Unicode characters (code
points) of the line, a leading UTF-8 BOM not counted.  Skip reasons are one of
"unreadable", "nul-byte", "invalid-utf8", "parse-error"; a skipped file takes
no part in any rule.

Files: every .py / .pyi under ROOT, hidden entries, __pycache__, symlinks and
--skip-dir names left out (as ast_oracle.py).  Paths are relative to ROOT with
"/".  A file is `test` when its path matches one of TEST_GLOBS, `production`
otherwise.  Globs: `*` and `?` do not cross "/", `[...]`/`[!...]` are classes,
a whole segment `**` matches zero or more whole directories (a trailing `/**`
matches everything below, a pattern that is just `**` matches every path); a
`**` that is not a whole segment is a `*`.

The rules are documented next to their code below (search for "Rule 1" ...).

Decisions where the rule text left room (the likeliest differences from ssot):
- duplicate-manager-class: each pass of the concept loop strips one prefix,
  then one suffix; "uppercase" after a prefix means ASCII A-Z; class names are
  ast's (NFKC-normalised); a service directory D contains a path when the path
  starts with D + "/" (D "." or "" contains all); a class of a group is
  compared with the names of the group's other classes, leading "_" kept.
- scattered-event-literal / duplicate-string-constant: string values are
  compared after escape processing and implicit concatenation (the Python
  value); lengths are in code points; classes under if/try/with at module
  level count as classes (their direct body statements are constants).
- magic-none / missing-mock-import: pyflakes' undefined-name semantics (see
  the section of these rules below), reimplemented over `ast`: evaluation
  order within a statement, deferred function bodies, `except ... as n`
  unbound after its handler, conditional `del` ignored, NameError guards,
  a function's later binding making its earlier loads undefined; an
  `import *` at module level silences the loads after it.
- mock-in-real-test: relative imports never count; `*mocker` / `**mocker`
  are reported at the name.
"""

import argparse
import ast
import collections
import json
import os
import re
import stat
import sys
import tempfile
import time
import warnings
from collections import defaultdict

RULE_DUP_MANAGER = "duplicate-manager-class"
RULE_EVENT = "scattered-event-literal"
RULE_DUP_CONST = "duplicate-string-constant"
RULE_MAGIC_NONE = "magic-none"
RULE_MOCK_IMPORT = "missing-mock-import"
RULE_MOCK_REAL = "mock-in-real-test"
ALL_RULES = (RULE_DUP_MANAGER, RULE_EVENT, RULE_DUP_CONST, RULE_MAGIC_NONE, RULE_MOCK_IMPORT, RULE_MOCK_REAL)
MULTI_FILE_RULES = frozenset({RULE_DUP_MANAGER, RULE_DUP_CONST})

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
# Parsing
# --------------------------------------------------------------------------


def parse_source(text, filename="<oracle>"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
        tree = ast.parse(text, filename, feature_version=None)
    if _NEEDS_FSTRING_FIX:
        _FStringFixer(text).fix(tree)
    return tree


# --------------------------------------------------------------------------
# Walking (as ast_oracle.py)
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



# --------------------------------------------------------------------------
# Globs, categories and options
# --------------------------------------------------------------------------

TEST_GLOBS = ("tests/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")

STATS["class_name_search_fallbacks"] = 0


def _segment_regex(seg):
    out = []
    i, n = 0, len(seg)
    while i < n:
        c = seg[i]
        if c == "*":
            while i + 1 < n and seg[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            negate = j < n and seg[j] in "!^"
            if negate:
                j += 1
            if j < n and seg[j] == "]":
                j += 1  # a leading ']' is literal
            k = seg.find("]", j)
            if k < 0:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 + (1 if negate else 0):k].replace("\\", "\\\\")
                out.append("[" + ("^/" if negate else "") + body + "]")
                i = k
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def glob_to_regex(glob):
    """Translate a glob (see the module docstring) into a regex source."""
    glob = glob.replace("\\", "/")
    while glob.startswith("./"):
        glob = glob[2:]
    segs = glob.split("/")
    out = ""
    need_sep = False
    for i, seg in enumerate(segs):
        if seg == "**":
            if i == len(segs) - 1:
                out += ("/" if need_sep else "") + ".+"
            else:
                out += ("/" if need_sep else "") + "(?:[^/]+/)*"
                need_sep = False
            continue
        out += ("/" if need_sep else "") + _segment_regex(seg)
        need_sep = True
    return out


def compile_globs(globs):
    return [re.compile(glob_to_regex(g), re.DOTALL) for g in globs]


def matches_any(path, compiled):
    return any(rx.fullmatch(path) for rx in compiled)


_TEST_RX = compile_globs(TEST_GLOBS)


def is_test_path(rel):
    return matches_any(rel, _TEST_RX)


DEFAULT_OPTIONS = {
    RULE_DUP_MANAGER: {"suffixes": ["Manager"], "services": []},
    RULE_EVENT: {"events": [], "canonical": []},
    RULE_DUP_CONST: {"min-length": 3, "ignore-names": []},
    RULE_MOCK_REAL: {"paths": ["**/e2e/**"]},
}


def make_options(config=None):
    """Defaults overlaid with `config` (a dict as given to --config), validated."""
    opts = {rule: {k: (list(v) if isinstance(v, list) else v) for k, v in d.items()}
            for rule, d in DEFAULT_OPTIONS.items()}
    if config is None:
        return opts
    if not isinstance(config, dict):
        raise ValueError("--config must be a JSON object")
    for rule, values in config.items():
        if rule not in ALL_RULES:
            raise ValueError("unknown rule in --config: %r" % rule)
        if not isinstance(values, dict):
            raise ValueError("options of %s must be an object" % rule)
        for key, value in values.items():
            if key == "severity":
                continue
            if key not in opts.get(rule, {}):
                raise ValueError("unknown option %s.%s" % (rule, key))
            if key == "min-length":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError("%s.%s must be a non-negative integer" % (rule, key))
            elif not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
                raise ValueError("%s.%s must be a list of strings" % (rule, key))
            opts[rule][key] = value
    return opts


# --------------------------------------------------------------------------
# Source text helper (character offsets, for the class-name search)
# --------------------------------------------------------------------------


class _Source:
    def __init__(self, text):
        self.norm = _LINE_BREAK.sub("\n", text)
        self.lines = self.norm.split("\n")
        self.line_starts = []
        pos = 0
        for line in self.lines:
            self.line_starts.append(pos)
            pos += len(line) + 1

    def offset(self, lineno, byte_col):
        return self.line_starts[lineno - 1] + _byte_to_char_col(self.lines[lineno - 1], byte_col)

    def line_col(self, offset):
        """1-based line, 1-based char column of a char offset in self.norm."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1


_CLASS_KW = re.compile(r"(?<![\w])class(?=[ \t\f\\])")


def class_name_position(src, node):
    """(line, column) of the name token of a ClassDef, both 1-based."""
    s = src.norm
    off = src.offset(node.lineno, node.col_offset)
    if not _CLASS_KW.match(s, off):
        # Python < 3.8 put ClassDef at its first decorator: search forward.
        STATS["class_name_search_fallbacks"] += 1
        m = _CLASS_KW.search(s, off)
        if m is None:
            return src.line_col(off)
        off = m.start()
    i = off + len("class")
    while i < len(s):
        if s[i] in " \t\f":
            i += 1
        elif s[i] == "\\" and s.startswith("\n", i + 1):
            i += 2
        else:
            break
    return src.line_col(i)


# --------------------------------------------------------------------------
# Shared tree helpers
# --------------------------------------------------------------------------

_FUNC_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def classes_outside_functions(tree):
    """Every ClassDef not nested in a function or lambda (any depth otherwise)."""
    out = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNC_NODES):
            continue
        if isinstance(node, ast.ClassDef):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    out.sort(key=lambda n: (n.lineno, n.col_offset))
    return out


def base_name(expr):
    """Name -> id, Attribute -> attr, Subscript -> name of its value, else None."""
    while True:
        if isinstance(expr, ast.Name):
            return expr.id
        if isinstance(expr, ast.Attribute):
            return expr.attr
        if isinstance(expr, ast.Subscript):
            expr = expr.value
            continue
        return None


# --------------------------------------------------------------------------
# Rule 1: duplicate-manager-class (collection per file; grouping per project)
# --------------------------------------------------------------------------
#
# Production files only.  Classes: classes_outside_functions().  Concept: strip
# leading "_"; then repeat until unchanged: strip one PREFIX when the character
# after it is an ASCII uppercase letter, then strip one SUFFIX when something
# remains.  Takes part when concept.lower() ends with one of `suffixes`
# (lowercased).  Excluded: a base (base_name) in INTERFACE_BASES, a keyword
# metaclass= whose base_name is ABCMeta, names (leading "_" stripped) matching
# ^I[A-Z] or starting with Mock/Fake/Stub/Dummy.  Group by (service, concept
# lowercased); in a group, drop (all at once) every class one of whose base
# names is the name of another class of the group; 2+ left: a finding at each
# one's name token, related = the others.

CONCEPT_PREFIXES = ("Unified", "Legacy", "Enhanced", "Improved", "Simple", "Default", "Core", "New", "Old",
                    "Modern", "Canonical", "SSOT", "Base", "Abstract", "Generic")
CONCEPT_SUFFIXES = ("Implementation", "Impl", "Compat", "Legacy", "Adapter", "Wrapper", "V2", "V3")
INTERFACE_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "Protocol", "ABC", "TypedDict",
                             "NamedTuple", "Exception", "BaseException"})
TEST_DOUBLE_PREFIXES = ("Mock", "Fake", "Stub", "Dummy")
_INTERFACE_NAME = re.compile(r"I[A-Z]")


def class_concept(name):
    c = name.lstrip("_")
    while True:
        prev = c
        for p in CONCEPT_PREFIXES:
            if c.startswith(p) and len(c) > len(p) and "A" <= c[len(p)] <= "Z":
                c = c[len(p):]
                break
        for s in CONCEPT_SUFFIXES:
            if c.endswith(s) and len(c) > len(s):
                c = c[:-len(s)]
                break
        if c == prev:
            return c


def _is_excluded_class(node):
    bare = node.name.lstrip("_")
    if _INTERFACE_NAME.match(bare) or bare.startswith(TEST_DOUBLE_PREFIXES):
        return True
    for b in node.bases:
        if base_name(b) in INTERFACE_BASES:
            return True
    for kw in node.keywords:
        if kw.arg == "metaclass" and base_name(kw.value) == "ABCMeta":
            return True
    return False


def manager_records(classes, src, suffixes):
    """[(name, concept_lower, frozenset(base names), line, column)] of counted classes."""
    suffixes = [s.lower() for s in suffixes]
    out = []
    for node in classes:
        concept = class_concept(node.name).lower()
        if not any(concept.endswith(s) for s in suffixes):
            continue
        if _is_excluded_class(node):
            continue
        bases = frozenset(n for n in (base_name(b) for b in node.bases) if n is not None)
        line, col = class_name_position(src, node)
        out.append((node.name, concept, bases, line, col))
    return out


def _normalise_dir(d):
    d = d.replace("\\", "/")
    while d.startswith("./"):
        d = d[2:]
    d = d.rstrip("/")
    return "" if d == "." else d


def service_of(rel, services):
    """Index of the first service directory containing rel, or -1."""
    for i, d in enumerate(services):
        d = _normalise_dir(d)
        if d == "" or rel.startswith(d + "/"):
            return i
    return -1


# The scanned root, for the module names of stubs (set by run()).
_ROOT = ["."]


def _module_name(path):
    """Dotted module name of the file shown as `path`: its package chain on disk (a directory is
    a package when it holds __init__.py or __init__.pyi); a top package `foo-stubs` names `foo`."""
    full = os.path.join(_ROOT[0], path)
    stem = os.path.splitext(os.path.basename(full))[0]
    parts = [] if stem == "__init__" else [stem]
    d = os.path.dirname(full)
    while os.path.isfile(os.path.join(d, "__init__.py")) or os.path.isfile(os.path.join(d, "__init__.pyi")):
        parts.append(os.path.basename(d))
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    if parts and parts[-1].endswith("-stubs") and len(parts[-1]) > len("-stubs"):
        parts[-1] = parts[-1][: -len("-stubs")]
    return ".".join(reversed(parts))


def drop_restating_stubs(group):
    """A stub (.pyi) restating a module of the group (same module name) is no second definition."""
    if not any(rec[0].endswith(".pyi") for rec in group):
        return group
    modules = {_module_name(rec[0]) for rec in group if rec[0].endswith(".py")}
    return [rec for rec in group if not (rec[0].endswith(".pyi") and _module_name(rec[0]) in modules)]


def duplicate_manager_findings(records, services):
    """records: [(path, name, concept, bases, line, col)] -> [(path, line, col, related)]."""
    groups = defaultdict(list)
    for rec in records:
        path, _name, concept = rec[0], rec[1], rec[2]
        groups[(service_of(path, services) if services else -1, concept)].append(rec)
    out = []
    for group in groups.values():
        group = drop_restating_stubs(group)
        if len(group) < 2:
            continue
        remaining = []
        for i, rec in enumerate(group):
            others = {g[1] for j, g in enumerate(group) if j != i}
            if not (rec[3] & others):
                remaining.append(rec)
        if len(remaining) < 2:
            continue
        for i, rec in enumerate(remaining):
            related = sorted((r[0], r[4], r[5]) for j, r in enumerate(remaining) if j != i)
            out.append((rec[0], rec[4], rec[5], related))
    return out


# --------------------------------------------------------------------------
# Rule 2: scattered-event-literal
# --------------------------------------------------------------------------
#
# All files not matching a `canonical` glob: every ast.Constant whose value is
# a str equal to one of `events`, at its start; not docstrings (first statement
# of a module / class / def / async def body that is an Expr of a str
# Constant), not the literal parts of an f-string (Constants directly in
# JoinedStr.values, format specs included).


def _docstring_constants(tree):
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def event_literal_nodes(tree, events):
    events = set(events)
    if not events:
        return []
    excluded = _docstring_constants(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for v in node.values:
                if isinstance(v, ast.Constant):
                    excluded.add(id(v))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in events:
            found.append(node)
    return [n for n in found if id(n) not in excluded]


# --------------------------------------------------------------------------
# Rule 3: duplicate-string-constant (collection per file; grouping per project)
# --------------------------------------------------------------------------
#
# Statements directly in the module body or directly in the body of a class of
# classes_outside_functions(): Assign (each ast.Name target) or AnnAssign with
# a value and a Name target, value a str Constant of >= min-length characters,
# name matching CONSTANT_NAME and not in ignore-names.  Production files only.
# A (NAME, value) defined in 2+ distinct files: every definition is a finding
# at its NAME, related = all its other definitions.

CONSTANT_NAME = re.compile(r"_*[A-Z][A-Z0-9_]*")


def string_constant_records(tree, classes, min_length, ignore_names):
    """[(name, value, lineno, col_offset)] (byte column)."""
    ignore = set(ignore_names)
    bodies = [tree.body] + [c.body for c in classes]
    out = []
    for body in bodies:
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
                targets = [stmt.target]
            else:
                continue
            value = stmt.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            if len(value.value) < min_length:
                continue
            for t in targets:
                if CONSTANT_NAME.fullmatch(t.id) and t.id not in ignore:
                    out.append((t.id, value.value, t.lineno, t.col_offset))
    return out


def duplicate_constant_findings(records):
    """records: [(path, name, value, line, col)] -> [(path, line, col, related)]."""
    groups = defaultdict(list)
    for rec in records:
        groups[(rec[1], rec[2])].append(rec)
    out = []
    for group in groups.values():
        group = drop_restating_stubs(group)
        if len({r[0] for r in group}) < 2:
            continue
        for i, rec in enumerate(group):
            related = sorted((r[0], r[3], r[4]) for j, r in enumerate(group) if j != i)
            out.append((rec[0], rec[3], rec[4], related))
    return out


# --------------------------------------------------------------------------
# Rules 4 and 5: magic-none, missing-mock-import (name resolution)
# --------------------------------------------------------------------------
#
# pyflakes' undefined-name semantics for a few names, written here over `ast`
# (independently of ssot's model): the module is walked once, in evaluation
# order (an assignment's value before its targets, a `for` iterable before
# its target, a comprehension's clauses before its element, a class body
# before its name is bound), with each function and lambda body (and, under
# `from __future__ import annotations`, each annotation) deferred to the end,
# in the order met.  Scopes hold bindings as they are met; a load looks
# through its scope and the enclosing ones (a class only from its own body,
# or from a comprehension directly in it).  Reported: a load finding nothing
# (unless a module-level `import *` came before it, or the innermost `try`
# body around it catches `NameError`), a `del` of a name the scope does not
# hold (a `del` under `if` / `while` / a conditional expression is ignored),
# and the last load of an enclosing binding before the function binds the
# name itself.  `except ... as n` binds n for the handler only, then gives
# back what n was bound to before.  `global n` / `nonlocal n` in a function
# binds n in the module (if unbound) and in every scope between, and drops
# the undefined-name reports of n made so far.

MOCK_NAMES = frozenset("Mock MagicMock AsyncMock NonCallableMock NonCallableMagicMock PropertyMock patch call "
                       "ANY sentinel mock_open create_autospec seal DEFAULT".split())
MAGIC_NONE = "MagicNone"
RESOLVED_NAMES = MOCK_NAMES | {MAGIC_NONE}

MODULE, CLASS, FUNCTION, COMPREHENSION = "module", "class", "function", "comprehension"
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
PLAIN, ANNOTATION, WALRUS = "plain", "annotation", "walrus"


class Scope:
    __slots__ = ("kind", "parent", "names")

    def __init__(self, kind, parent):
        self.kind = kind
        self.parent = parent
        self.names = {}  # name -> [binding kind, last load: (scope, node) or None]

    def chain(self):
        scope = self
        while scope is not None:
            yield scope
            scope = scope.parent


class _Resolver:
    def __init__(self, names):
        self.names = names
        self.module = Scope(MODULE, None)
        self.deferred = collections.deque()
        self.reports = []  # [("name" | "local", name, node)]
        self.star = False
        self.future_annotations = False
        self.caught = [()]  # exception names of the innermost `try` body
        self.conditional = 0  # enclosing if / while / conditional expressions
        self.postponed = False  # in a deferred annotation

    # -- events --------------------------------------------------------------

    def load(self, name, scope, node):
        if name not in self.names:
            return
        class_visible = None
        for current in scope.chain():
            if current.kind == CLASS and class_visible is False:
                continue
            binding = current.names.get(name)
            if binding is not None:
                binding[1] = (scope, node)
                if binding[0] == ANNOTATION and not self.postponed:
                    continue
                return
            if class_visible is not False:
                class_visible = current.kind == COMPREHENSION
        if self.star or "NameError" in self.caught[-1]:
            return
        self.reports.append(("name", name, node))

    def store(self, name, scope, kind=PLAIN):
        if name not in self.names:
            return
        if scope.kind == FUNCTION and name not in scope.names:
            outer = list(scope.chain())[1:]
            for enclosing in reversed(outer):
                if enclosing.kind not in (FUNCTION, MODULE):
                    continue
                binding = enclosing.names.get(name)
                if binding is not None and binding[1] is not None and binding[1][0] is scope:
                    self.reports.append(("local", name, binding[1][1]))
                    break
        existing = scope.names.get(name)
        new = [kind, existing[1] if existing else None]
        if kind == ANNOTATION and existing is not None:
            return
        if kind == WALRUS:
            target = next(s for s in scope.chain() if s.kind != COMPREHENSION)
            held = target.names.get(name)
            if held is None or held[0] == ANNOTATION:
                target.names[name] = new
            return
        scope.names[name] = new

    def delete(self, name, scope, node):
        if name not in self.names or self.conditional:
            return
        if scope.names.pop(name, None) is None:
            self.reports.append(("name", name, node))

    def declare_global(self, name, scope):
        if name not in self.names or scope.kind == MODULE:
            return
        self.reports = [r for r in self.reports if r[0] != "name" or r[1] != name]
        binding = [PLAIN, (self.module, None)]
        self.module.names.setdefault(name, binding)
        for current in scope.chain():
            if current is not self.module:
                current.names[name] = binding

    def defer(self, action):
        self.deferred.append((action, self.conditional))

    def run(self, tree):
        self.visit(tree, self.module)
        while self.deferred:
            action, conditional = self.deferred.popleft()
            self.caught, self.conditional, self.postponed = [()], conditional, False
            action()
        found = {(name, node.lineno, node.col_offset) for _, name, node in self.reports}
        return sorted(found, key=lambda r: (r[1], r[2], r[0]))

    # -- the walk ------------------------------------------------------------

    def visit(self, node, scope):
        handler = getattr(self, "visit_" + type(node).__name__, None)
        if handler is not None:
            handler(node, scope)
        else:
            self.children(node, scope)

    def children(self, node, scope, skip=()):
        for field, value in ast.iter_fields(node):
            if field in skip:
                continue
            if isinstance(value, ast.AST):
                self.visit(value, scope)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item, scope)

    def visit_all(self, nodes, scope):
        for node in nodes:
            if node is not None:
                self.visit(node, scope)

    def visit_Name(self, node, scope):
        if isinstance(node.ctx, ast.Load):
            self.load(node.id, scope, node)
        elif isinstance(node.ctx, ast.Store):
            self.store(node.id, scope)
        else:
            self.delete(node.id, scope, node)

    def visit_Assign(self, node, scope):
        self.visit(node.value, scope)
        self.visit_all(node.targets, scope)

    def visit_AugAssign(self, node, scope):
        if isinstance(node.target, ast.Name):
            self.load(node.target.id, scope, node.target)
        self.visit(node.value, scope)
        self.visit(node.target, scope)

    def visit_AnnAssign(self, node, scope):
        self.annotation(node.annotation, scope)
        if node.value is not None:
            self.visit(node.value, scope)
        if isinstance(node.target, ast.Name) and node.value is None:
            self.store(node.target.id, scope, ANNOTATION)
        else:
            self.visit(node.target, scope)

    def visit_NamedExpr(self, node, scope):
        self.visit(node.value, scope)
        self.store(node.target.id, scope, WALRUS)

    def visit_For(self, node, scope):
        self.visit(node.iter, scope)
        self.children(node, scope, skip=("iter",))

    visit_AsyncFor = visit_comprehension = visit_For

    def visit_ListComp(self, node, scope):
        first = node.generators[0]
        self.visit(first.iter, scope)
        inner = Scope(COMPREHENSION, scope)
        self.visit(first.target, inner)
        self.visit_all(first.ifs, inner)
        self.visit_all(node.generators[1:], inner)
        if isinstance(node, ast.DictComp):
            self.visit(node.key, inner)
            self.visit(node.value, inner)
        else:
            self.visit(node.elt, inner)

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp

    def annotation(self, node, scope):
        if node is None:
            return
        if self.future_annotations:
            def later():
                self.postponed = True
                self.visit(node, scope)
            self.defer(later)
        else:
            self.visit(node, scope)

    def function(self, node, scope):
        """A def's or lambda's header in `scope`; its body deferred."""
        a = node.args
        arguments = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x)]
        for argument in arguments:
            self.annotation(argument.annotation, scope)
        if not isinstance(node, ast.Lambda):
            self.annotation(node.returns, scope)
        self.visit_all(a.defaults, scope)
        self.visit_all(a.kw_defaults, scope)
        inner = Scope(FUNCTION, scope)

        def body():
            for argument in arguments:
                self.store(argument.arg, inner)
            if isinstance(node, ast.Lambda):
                self.visit(node.body, inner)
            else:
                self.visit_all(node.body, inner)
        self.defer(body)

    def visit_FunctionDef(self, node, scope):
        self.visit_all(node.decorator_list, scope)
        self.function(node, scope)
        self.store(node.name, scope)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node, scope):
        self.function(node, scope)

    def visit_ClassDef(self, node, scope):
        self.visit_all(node.decorator_list, scope)
        self.visit_all(node.bases, scope)
        self.visit_all(node.keywords, scope)
        inner = Scope(CLASS, scope)
        self.visit_all(node.body, inner)
        self.store(node.name, scope)

    def visit_Import(self, node, scope):
        for alias in node.names:
            self.store(alias.asname or alias.name.split(".")[0], scope)

    def visit_ImportFrom(self, node, scope):
        for alias in node.names:
            if node.module == "__future__" and not node.level and alias.name == "annotations":
                self.future_annotations = True
            if alias.name == "*":
                if scope.kind == MODULE:
                    self.star = True
            else:
                self.store(alias.asname or alias.name, scope)

    def visit_Global(self, node, scope):
        for name in node.names:
            self.declare_global(name, scope)

    visit_Nonlocal = visit_Global

    def visit_Try(self, node, scope):
        caught = []
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            caught.extend(k.id for k in kinds if isinstance(k, ast.Name))
        self.caught.append(tuple(caught))
        self.visit_all(node.body, scope)
        self.caught.pop()
        self.children(node, scope, skip=("body",))

    visit_TryStar = visit_Try

    def visit_ExceptHandler(self, node, scope):
        if not node.name:
            self.children(node, scope)
            return
        if node.name in scope.names:
            self.store(node.name, scope)
        hidden = scope.names.pop(node.name, None)
        self.store(node.name, scope)
        self.children(node, scope)
        scope.names.pop(node.name, None)
        if hidden is not None:
            scope.names[node.name] = hidden

    def visit_If(self, node, scope):
        self.conditional += 1
        self.children(node, scope)
        self.conditional -= 1

    visit_While = visit_IfExp = visit_If

    def visit_MatchAs(self, node, scope):
        if node.name:
            self.store(node.name, scope)
        self.children(node, scope)

    def visit_MatchStar(self, node, scope):
        if node.name:
            self.store(node.name, scope)

    def visit_MatchMapping(self, node, scope):
        if node.rest:
            self.store(node.rest, scope)
        self.children(node, scope)


def unresolved_loads(tree, names=RESOLVED_NAMES):
    """[(name, lineno, col_offset)] of the undefined uses of `names`."""
    return _Resolver(frozenset(names)).run(tree)


# --------------------------------------------------------------------------
# Rule 6: mock-in-real-test
# --------------------------------------------------------------------------
#
# Files matching a `paths` glob: every Import / ImportFrom statement importing
# unittest.mock, mock or pytest_mock or a submodule (ImportFrom: level 0 only;
# `from unittest import ..., mock`), at the statement; every parameter (any
# kind, def / async def / lambda) named `mocker`, at the name.

MOCK_MODULES = ("unittest.mock", "mock", "pytest_mock")


def _is_mock_module(dotted):
    return any(dotted == m or dotted.startswith(m + ".") for m in MOCK_MODULES)


def mock_in_real_test_nodes(tree):
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(_is_mock_module(alias.name) for alias in node.names):
                out.append(node)
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue
            if _is_mock_module(node.module) or (
                    node.module == "unittest" and any(alias.name == "mock" for alias in node.names)):
                out.append(node)
        elif isinstance(node, ast.arg):
            if node.arg == "mocker":
                out.append(node)
    return out


# --------------------------------------------------------------------------
# Per file, per project
# --------------------------------------------------------------------------


class FileResult:
    __slots__ = ("findings", "managers", "constants")

    def __init__(self):
        self.findings = set()  # (line, column, rule)
        self.managers = []  # (name, concept, bases, line, column)
        self.constants = []  # (name, value, line, column)


def decode_and_parse(data, filename="<oracle>"):
    """Return ("skipped", reason) or ("ok", (text, tree))."""
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
    return "ok", (text, tree)


class _Context:
    """Rules and compiled options shared by every file of a run."""

    def __init__(self, rules, options):
        self.rules = frozenset(rules)
        self.options = options
        self.canonical = compile_globs(options[RULE_EVENT]["canonical"])
        self.mock_paths = compile_globs(options[RULE_MOCK_REAL]["paths"])


def analyse_tree(rel, text, tree, ctx):
    res = FileResult()
    lines = _Lines(text)
    rules = ctx.rules
    opts = ctx.options
    production = not is_test_path(rel)

    def add(lineno, byte_col, rule):
        res.findings.add((lineno, lines.char_col(lineno, byte_col) + 1, rule))

    classes = None
    if production and (RULE_DUP_MANAGER in rules or RULE_DUP_CONST in rules):
        classes = classes_outside_functions(tree)
        if RULE_DUP_MANAGER in rules:
            res.managers = manager_records(classes, _Source(text), opts[RULE_DUP_MANAGER]["suffixes"])
        if RULE_DUP_CONST in rules:
            o = opts[RULE_DUP_CONST]
            for name, value, lineno, col in string_constant_records(tree, classes, o["min-length"],
                                                                    o["ignore-names"]):
                res.constants.append((name, value, lineno, lines.char_col(lineno, col) + 1))
    if RULE_EVENT in rules and not matches_any(rel, ctx.canonical):
        for node in event_literal_nodes(tree, opts[RULE_EVENT]["events"]):
            add(node.lineno, node.col_offset, RULE_EVENT)
    if RULE_MAGIC_NONE in rules or RULE_MOCK_IMPORT in rules:
        names = set()
        if RULE_MAGIC_NONE in rules:
            names.add(MAGIC_NONE)
        if RULE_MOCK_IMPORT in rules:
            names |= MOCK_NAMES
        # A stub is never executed: a name bound anywhere in its module scope is defined everywhere.
        bound = stub_module_bindings(tree) if rel.endswith(".pyi") else set()
        for name, lineno, col in unresolved_loads(tree, names):
            if name not in bound:
                add(lineno, col, RULE_MAGIC_NONE if name == MAGIC_NONE else RULE_MOCK_IMPORT)
    if RULE_MOCK_REAL in rules and matches_any(rel, ctx.mock_paths):
        for node in mock_in_real_test_nodes(tree):
            add(node.lineno, node.col_offset, RULE_MOCK_REAL)
    return res


def stub_module_bindings(tree):
    """The names a module binds at its top level, also inside top-level if/try blocks."""
    names = set()

    def targets(node):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    def statements(body):
        for stmt in body:
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    targets(target)
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
                targets(stmt.target)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if alias.name != "*":
                        names.add(alias.asname or alias.name)
            elif isinstance(stmt, ast.If):
                statements(stmt.body)
                statements(stmt.orelse)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                statements(stmt.body)
                for handler in stmt.handlers:
                    statements(handler.body)
                statements(stmt.orelse)
                statements(stmt.finalbody)

    statements(tree.body)
    return names


def analyse_project(files, rules=ALL_RULES, options=None):
    """files: iterable of (relative path, bytes or None when unreadable).

    Returns (records, summary); records are the output dicts, sorted."""
    if options is None:
        options = make_options()
    ctx = _Context(rules, options)
    keyed = []
    summary = {"files": 0, "analysed": 0, "skipped": {}, "findings": {r: 0 for r in rules}}
    managers = []
    constants = []
    for rel, data in files:
        summary["files"] += 1
        if data is None:
            kind, payload = "skipped", SKIP_UNREADABLE
        else:
            kind, payload = decode_and_parse(data, rel)
        if kind == "skipped":
            summary["skipped"][payload] = summary["skipped"].get(payload, 0) + 1
            keyed.append(((rel, 0, 0, ""), {"path": rel, "skipped": payload}))
            continue
        summary["analysed"] += 1
        text, tree = payload
        res = analyse_tree(rel, text, tree, ctx)
        for line, col, rule in res.findings:
            keyed.append(((rel, line, col, rule), {"path": rel, "rule": rule, "line": line, "column": col}))
        managers.extend((rel,) + rec for rec in res.managers)
        constants.extend((rel,) + rec for rec in res.constants)
    multi = []
    if RULE_DUP_MANAGER in ctx.rules:
        multi.extend((RULE_DUP_MANAGER, f) for f in
                     duplicate_manager_findings(managers, options[RULE_DUP_MANAGER]["services"]))
    if RULE_DUP_CONST in ctx.rules:
        multi.extend((RULE_DUP_CONST, f) for f in duplicate_constant_findings(constants))
    for rule, (path, line, col, related) in multi:
        keyed.append(((path, line, col, rule), {"path": path, "rule": rule, "line": line, "column": col,
                                                "related": [list(r) for r in related]}))
    keyed.sort(key=lambda kv: kv[0])
    for key, rec in keyed:
        if key[3]:
            summary["findings"][key[3]] += 1
    return [rec for _, rec in keyed], summary


def iter_project_files(root):
    for rel, full in iter_source_files(root):
        try:
            with open(full, "rb") as fh:
                data = fh.read()
        except OSError:
            data = None
        yield rel, data


def run(root, rules=ALL_RULES, options=None):
    _ROOT[0] = root
    return analyse_project(iter_project_files(root), rules, options)


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------

DM, EV, DC, MN, MI, MR = RULE_DUP_MANAGER, RULE_EVENT, RULE_DUP_CONST, RULE_MAGIC_NONE, RULE_MOCK_IMPORT, RULE_MOCK_REAL


def _enc(src):
    return src if isinstance(src, bytes) else src.encode("utf-8")


def _proj(files, rules=ALL_RULES, config=None):
    """files: {rel: source} -> [(path, rule, line, column[, related tuple])]; skipped as (path, reason)."""
    records, _ = analyse_project(sorted((rel, _enc(src)) for rel, src in files.items()), rules,
                                 make_options(config))
    out = []
    for r in records:
        if "skipped" in r:
            out.append((r["path"], r["skipped"]))
        elif "related" in r:
            out.append((r["path"], r["rule"], r["line"], r["column"], tuple(tuple(x) for x in r["related"])))
        else:
            out.append((r["path"], r["rule"], r["line"], r["column"]))
    return out


def _one(src, rules, config=None, path="m.py"):
    """Single-file rules: [(line, column)] of the findings (one rule expected)."""
    got = _proj({path: src}, rules, config)
    for g in got:
        assert len(g) == 4, got
    return [(g[2], g[3]) for g in got]


def _eq(got, expected, what=""):
    assert got == expected, "\n%s\nexpected: %r\ngot:      %r" % (what, expected, got)


def _self_tests():
    tests = []

    def test(fn):
        tests.append(fn)
        return fn

    # ---- globs and categories ------------------------------------------

    @test
    def globs():
        def m(glob, path):
            return bool(re.fullmatch(glob_to_regex(glob), path, re.DOTALL))
        assert m("tests/**", "tests/a.py") and m("tests/**", "tests/a/b.py")
        assert not m("tests/**", "tests") and not m("tests/**", "x/tests/a.py")
        assert m("**/tests/**", "tests/a.py") and m("**/tests/**", "a/b/tests/c/d.py")
        assert not m("**/tests/**", "a/tests.py") and not m("**/tests/**", "a/mytests/b.py")
        assert m("**/test_*.py", "test_a.py") and m("**/test_*.py", "a/b/test_.py")
        assert not m("**/test_*.py", "a/test_a.pyi") and not m("**/test_*.py", "a/xtest_a.py")
        assert not m("test_*.py", "a/test_a.py")  # * does not cross /
        assert m("*.py", "a.py") and not m("*.py", "a/b.py")
        assert m("**/*_test.py", "a_test.py") and m("**/conftest.py", "x/conftest.py")
        assert m("a/**/b.py", "a/b.py") and m("a/**/b.py", "a/x/y/b.py") and not m("a/**/b.py", "ab.py")
        assert m("**", "a/b.py") and m("**/e2e/**", "e2e/t.py") and m("**/e2e/**", "x/e2e/y/t.py")
        assert not m("**/e2e/**", "x/e2e.py") and not m("**/e2e/**", "x/e2e")
        assert m("a**.py", "ab.py") and not m("a**.py", "a/b.py")  # not a whole segment: like *
        assert m("?.py", "a.py") and not m("?.py", "ab.py") and not m("a?b", "a/b")
        assert m("[ab].py", "b.py") and not m("[!ab].py", "a.py") and m("[!ab].py", "c.py")
        assert m("a.b", "a.b") and not m("a.b", "axb")  # regex characters are literal
        assert m("./shared/*.py", "shared/e.py")
        assert is_test_path("tests/x.py") and is_test_path("pkg/tests/x.py")
        assert is_test_path("pkg/test_x.py") and is_test_path("x_test.py") and is_test_path("a/conftest.py")
        assert not is_test_path("pkg/testing.py") and not is_test_path("pkg/x_tests.py")
        assert not is_test_path("pkg/conftest.pyi")

    @test
    def options():
        o = make_options({DM: {"services": ["a"]}, DC: {"min-length": 5, "severity": "warning"}})
        assert o[DM] == {"suffixes": ["Manager"], "services": ["a"]} and o[DC]["min-length"] == 5
        assert o[EV] == {"events": [], "canonical": []} and o[MR] == {"paths": ["**/e2e/**"]}
        for bad in [[], {"nope": {}}, {DM: {"suffix": []}}, {DC: {"min-length": "3"}}, {DC: {"min-length": True}},
                    {EV: {"events": "x"}}, {EV: {"events": [1]}}, {DM: []}]:
            try:
                make_options(bad)
            except ValueError:
                continue
            raise AssertionError("accepted %r" % (bad,))

    # ---- rule 1 ----------------------------------------------------------

    @test
    def manager_basic():
        got = _proj({"a.py": "class UserManager:\n    pass\n", "b.py": "x = 1\n\n\nclass UserManager(object): pass\n"},
                    (DM,))
        _eq(got, [("a.py", DM, 1, 7, (("b.py", 4, 7),)), ("b.py", DM, 4, 7, (("a.py", 1, 7),))])
        _eq(_proj({"a.py": "class UserManager: pass\n"}, (DM,)), [])
        _eq(_proj({"a.py": "class UserManager: pass\nclass OrderManager: pass\n"}, (DM,)), [])
        # the same file twice counts too
        _eq(_proj({"a.py": "class UserManager: pass\nclass UserManager: pass\n"}, (DM,)),
            [("a.py", DM, 1, 7, (("a.py", 2, 7),)), ("a.py", DM, 2, 7, (("a.py", 1, 7),))])
        # other rules are not reported
        _eq(_proj({"a.py": "class UserManager: pass\nclass UserManager: pass\n"}, (MI,)), [])

    @test
    def manager_nesting():
        src = ("def f():\n    class AManager: pass\n"
               "class Outer:\n    class AManager: pass\n"
               "    def g(self):\n        class AManager: pass\n"
               "if x:\n    try:\n        with y:\n            class AManager: pass\n    except E:\n        pass\n"
               "match z:\n    case 1:\n        class AManager: pass\n"
               "async def h():\n    class AManager: pass\n"
               "lam = lambda: 0\n")
        got = _proj({"a.py": src}, (DM,))
        _eq([(g[2], g[3]) for g in got], [(4, 11), (10, 19), (15, 15)])
        assert got[0][4] == (("a.py", 10, 19), ("a.py", 15, 15)), got

    @test
    def manager_concept():
        for name, concept in [
            ("_UnifiedManager", "Manager"), ("__SSOTLegacyUserManagerImpl", "UserManager"),
            ("NewsManager", "NewsManager"), ("Newmanager", "Newmanager"), ("BaseUserManagerV2Compat", "UserManager"),
            ("UserManagerImplementation", "UserManager"), ("UserManagerWrapperAdapter", "UserManager"),
            ("Impl", "Impl"), ("ManagerLegacy", "Manager"), ("LegacyManager", "Manager"), ("NewImpl", "Impl"),
            ("V2", "V2"), ("CoreAbstractGenericUserManager", "UserManager"), ("Base", "Base"), ("BaseV3", "V3"),
            ("Base_Manager", "Base_Manager"), ("CoreÉManager", "CoreÉManager"), ("SsotManager", "SsotManager"),
            ("UserManagerimpl", "UserManagerimpl"), ("DefaultManagerV2V3", "Manager"), ("___", ""),
        ]:
            _eq(class_concept(name), concept, name)
        # grouping is by the concept, lowercased, and only *manager concepts take part
        got = _proj({"a.py": "class UnifiedConfigManager: pass\nclass _LegacyConfigmanagerImpl: pass\n"
                             "class ConfigManagerService: pass\nclass Managers: pass\nclass Managers: pass\n"
                             "class CoreWidget: pass\nclass Widget: pass\n"}, (DM,))
        _eq([(g[2], g[3]) for g in got], [(1, 7), (2, 7)])
        # option suffixes, compared lowercased
        cfg = {DM: {"suffixes": ["SERVICE", "Manager"]}}
        got = _proj({"a.py": "class OrderService: pass\nclass NewOrderservice: pass\n"
                             "class XManager: pass\nclass XManagerImpl: pass\n"}, (DM,), cfg)
        _eq([(g[2], g[3]) for g in got], [(1, 7), (2, 7), (3, 7), (4, 7)])
        got = _proj({"a.py": "class XManager: pass\nclass XManagerImpl: pass\n"}, (DM,), {DM: {"suffixes": ["Service"]}})
        _eq(got, [])

    @test
    def manager_exclusions():
        # each excluded class is paired with a counted class of the same concept
        for excluded, partner in [
            ("class AManager(Enum): pass", "class AManager: pass"),
            ("class AManager(enum.IntEnum): pass", "class AManager: pass"),
            ("class AManager(StrEnum): pass", "class AManager: pass"),
            ("class AManager(Flag): pass", "class AManager: pass"),
            ("class AManager(IntFlag): pass", "class AManager: pass"),
            ("class AManager(Protocol[T]): pass", "class AManager: pass"),
            ("class AManager(typing.Protocol[T][U]): pass", "class AManager: pass"),
            ("class AManager(x, abc.ABC): pass", "class AManager: pass"),
            ("class AManager(TypedDict, total=False): pass", "class AManager: pass"),
            ("class AManager(NamedTuple): pass", "class AManager: pass"),
            ("class AManager(Exception): pass", "class AManager: pass"),
            ("class AManager(BaseException): pass", "class AManager: pass"),
            ("class AManager(metaclass=ABCMeta): pass", "class AManager: pass"),
            ("class AManager(metaclass=abc.ABCMeta): pass", "class AManager: pass"),
            ("class IUserManager: pass", "class Iusermanager: pass"),
            ("class _IUserManager: pass", "class Iusermanager: pass"),
            ("class MockAManager: pass", "class mockAManager: pass"),
            ("class _FakeAManager: pass", "class fakeAManager: pass"),
            ("class StubAManager: pass", "class stubAManager: pass"),
            ("class DummyAManager: pass", "class dummyAManager: pass"),
            ("class Mockingbird_Manager: pass", "class mockingbird_Manager: pass"),
        ]:
            _eq(_proj({"a.py": partner + "\n", "b.py": excluded + "\n"}, (DM,)), [], excluded)
            # control: the partner twice is a duplicate
            _eq(len(_proj({"a.py": partner + "\n", "b.py": partner + "\n"}, (DM,))), 2, partner)
        for counted in [
            "class AManager(Protocol()): pass",  # Call: no name
            "class AManager(*Enum): pass",  # Starred: no name
            "class AManager(Enumeration): pass", "class AManager(metaclass=Meta): pass",
            "class AManager(ABCMeta): pass",  # ABCMeta as a base is not an interface
            "class AManager(x, abc=ABC): pass",  # a keyword other than metaclass
            "class AManager(metaclass=ABCMeta()): pass", "class AManagerMock: pass".replace("AManagerMock", "AManager"),
        ]:
            _eq(len(_proj({"a.py": "class AManager: pass\n", "b.py": counted + "\n"}, (DM,))), 2, counted)

    @test
    def manager_services():
        files = {"svc_a/x.py": "class UserManager: pass\n", "svc_a/sub/y.py": "class UserManager: pass\n",
                 "svc_b/x.py": "class UserManager: pass\n", "other/z.py": "class UserManager: pass\n",
                 "svc_ab/w.py": "class UserManager: pass\n"}
        got = _proj(files, (DM,), {DM: {"services": ["svc_a", "./svc_b/"]}})
        _eq([(g[0], g[4]) for g in got], [
            ("other/z.py", (("svc_ab/w.py", 1, 7),)), ("svc_a/sub/y.py", (("svc_a/x.py", 1, 7),)),
            ("svc_a/x.py", (("svc_a/sub/y.py", 1, 7),)), ("svc_ab/w.py", (("other/z.py", 1, 7),))])
        # without services: one group
        _eq(len(_proj(files, (DM,))), 5)
        # the first listed directory that contains the file wins
        got = _proj({"a/b/x.py": "class UserManager: pass\n", "a/y.py": "class UserManager: pass\n"}, (DM,),
                    {DM: {"services": ["a/b", "a"]}})
        _eq(got, [])
        got = _proj({"a/b/x.py": "class UserManager: pass\n", "a/y.py": "class UserManager: pass\n"}, (DM,),
                    {DM: {"services": ["a", "a/b"]}})
        _eq(len(got), 2)

    @test
    def manager_extends():
        # B extends A: not a duplicate; the two left are
        got = _proj({"a.py": "class UserManager: pass\n", "b.py": "class UnifiedUserManager(a.UserManager): pass\n",
                     "c.py": "class _UserManager: pass\n"}, (DM,))
        _eq([g[0] for g in got], ["a.py", "c.py"])
        got = _proj({"a.py": "class UserManager: pass\n", "b.py": "class UnifiedUserManager(UserManager): pass\n"},
                    (DM,))
        _eq(got, [])
        # same name in another file counts; Subscript bases too
        got = _proj({"a.py": "class UserManager: pass\n", "b.py": "class UserManager(UserManager[T]): pass\n"}, (DM,))
        _eq(got, [])
        # a class extending only itself (no other definition of that name) stays
        got = _proj({"a.py": "class UserManager(UserManager): pass\n", "b.py": "class LegacyUserManager: pass\n"},
                    (DM,))
        _eq(len(got), 2)
        # decided on the counted set, not iteratively: A <- B <- C: B and C removed, A alone
        got = _proj({"a.py": "class AManager: pass\nclass NewAManager(AManager): pass\n"
                             "class OldAManager(NewAManager): pass\n"}, (DM,))
        _eq(got, [])
        # mutual extension removes both
        got = _proj({"a.py": "class AManager(AManagerImpl): pass\nclass AManagerImpl(AManager): pass\n"
                             "class BaseAManager: pass\n"}, (DM,))
        _eq(got, [])
        # a base that is an excluded class's name does not remove
        got = _proj({"a.py": "class AManager(MockAManager): pass\nclass MockAManager: pass\nclass NewAManager: pass\n"},
                    (DM,))
        _eq(len(got), 2)
        # keywords are not bases
        got = _proj({"a.py": "class AManager: pass\nclass NewAManager(metaclass=AManager): pass\n"}, (DM,))
        _eq(len(got), 2)

    @test
    def manager_positions():
        got = _proj({"a.py": "@dec\n@dec2(1)\nclass  \\\n   UserManager(X):\n    pass\n",
                     "b.py": "s = 'é'; y = 1\nif s:\n\tclass\tUserManager: pass\n",
                     "c.py": "class ÉManager: pass\nclass \\\n  \\\n\x0cÉManager: pass\n"}, (DM,))
        _eq([g[:4] for g in got], [("a.py", DM, 4, 4), ("b.py", DM, 3, 8), ("c.py", DM, 1, 7), ("c.py", DM, 4, 2)])
        got = _proj({"a.py": b"\xef\xbb\xbfclass UserManager: pass\r\nclass UserManager: pass\r\n"}, (DM,))
        _eq([g[:4] for g in got], [("a.py", DM, 1, 7), ("a.py", DM, 2, 7)])

    @test
    def manager_production_only():
        for test_path in ["tests/a.py", "pkg/tests/a.py", "pkg/test_a.py", "pkg/a_test.py", "conftest.py"]:
            got = _proj({test_path: "class UserManager: pass\n", "pkg/b.py": "class UserManager: pass\n"}, (DM,))
            _eq(got, [], test_path)
        got = _proj({"pkg/testing.py": "class UserManager: pass\n", "pkg/b.py": "class UserManager: pass\n"}, (DM,))
        _eq(len(got), 2)

    # ---- rule 2 ----------------------------------------------------------

    @test
    def events():
        cfg = {EV: {"events": ["tool_executing", "done"]}}

        def ev(src, path="m.py", config=cfg):
            return _one(src, (EV,), config, path)
        _eq(ev("x = 'tool_executing'\ny = \"done\"\nz = 'tool_executing2'\nemit('tool_executing', {'done': 1})\n"),
            [(1, 5), (2, 5), (4, 6), (4, 25)])
        _eq(ev("x = 'tool_executing'\n", config=None), [])  # no events by default
        # docstrings: module, class, def, async def
        _eq(ev("'done'\nclass C:\n    'done'\n    x = 'done'\ndef f():\n    'done'\n    'done'\n"
               "async def g():\n    \"\"\"done\"\"\"\n"), [(4, 9), (7, 5)])
        _eq(ev("x = 1\n'done'\n"), [(2, 1)])  # not the first statement
        _eq(ev("def f():\n    return 'done'\nlambda: 'done'\n"), [(2, 12), (3, 9)])
        # f-strings: literal parts excluded, expressions inside included
        _eq(ev("x = f'done'\ny = f'{a}done'\nz = f'{\"done\"}'\nw = f'{a:done}'\nv = 'done' f'{a}'\n"),
            [(3, 8)])
        # implicit concatenation: one Constant
        _eq(ev("x = ('tool_' 'executing')\ny = ('do'\n     'ne')\n"), [(1, 6), (2, 6)])
        # bytes never; escapes compared by value; u prefix and raw strings
        _eq(ev("x = b'done'\ny = 'd\\x6fne'\nz = u'done'\nw = r'done'\nv = 'done\\n'\n"), [(2, 5), (3, 5), (4, 5)])
        _eq(ev("match x:\n    case 'done': pass\nd: 'done' = 1\n"), [(2, 10), (3, 4)])
        _eq(ev("x = 'é'; y = 'done'\n"), [(1, 14)])
        # every category; canonical globs excluded
        _eq(ev("x = 'done'\n", path="tests/test_x.py"), [(1, 5)])
        ccfg = {EV: {"events": ["done"], "canonical": ["shared/events.py", "**/constants/*.py"]}}
        _eq(ev("x = 'done'\n", path="shared/events.py", config=ccfg), [])
        _eq(ev("x = 'done'\n", path="a/constants/b.py", config=ccfg), [])
        _eq(ev("x = 'done'\n", path="a/shared/events.py", config=ccfg), [(1, 5)])

    # ---- rule 3 ----------------------------------------------------------

    @test
    def string_constants():
        def dc(files, config=None):
            return [(g[0], g[2], g[3], g[4]) for g in _proj(files, (DC,), config)]
        _eq(dc({"a.py": "API_URL = 'https://x'\n", "b.py": "x = 1\nAPI_URL = 'https://x'\n"}),
            [("a.py", 1, 1, (("b.py", 2, 1),)), ("b.py", 2, 1, (("a.py", 1, 1),))])
        _eq(dc({"a.py": "API_URL = 'abc'\nAPI_URL = 'abc'\n"}), [])  # one file only
        _eq(dc({"a.py": "API_URL = 'abc'\n", "b.py": "API_URL = 'abd'\n"}), [])  # other value
        _eq(dc({"a.py": "API_URL = 'abc'\n", "b.py": "API_URI = 'abc'\n"}), [])  # other name
        # all definitions reported, related = all others (same file included)
        _eq(dc({"a.py": "K = 'abc'\nK = 'abc'\n", "b.py": "K = 'abc'\n"}),
            [("a.py", 1, 1, (("a.py", 2, 1), ("b.py", 1, 1))), ("a.py", 2, 1, (("a.py", 1, 1), ("b.py", 1, 1))),
             ("b.py", 1, 1, (("a.py", 1, 1), ("a.py", 2, 1)))])
        # chained assignment, AnnAssign with a value, tuple targets not
        _eq(dc({"a.py": "A = x.y = B = 'abc'\n", "b.py": "A: str = 'abc'\nB: Final[str] = 'abc'\n"}),
            [("a.py", 1, 1, (("b.py", 1, 1),)), ("a.py", 1, 11, (("b.py", 2, 1),)),
             ("b.py", 1, 1, (("a.py", 1, 1),)), ("b.py", 2, 1, (("a.py", 1, 11),))])
        _eq(dc({"a.py": "A, B = 'abc'\n(C, D) = 'ab', 'cd'\nE: str\n", "b.py": "A, B = 'abc'\nE: str\n"}), [])
        # class bodies (nested classes too, under if at module level too); not functions / if / for ...
        _eq(dc({"a.py": "class C:\n    K = 'abc'\n    class D:\n        L = 'abc'\n"
                        "if x:\n    class E:\n        M = 'abc'\n",
                "b.py": "K = 'abc'\nL = 'abc'\nM = 'abc'\n"}),
            [("a.py", 2, 5, (("b.py", 1, 1),)), ("a.py", 4, 9, (("b.py", 2, 1),)), ("a.py", 7, 9, (("b.py", 3, 1),)),
             ("b.py", 1, 1, (("a.py", 2, 5),)), ("b.py", 2, 1, (("a.py", 4, 9),)), ("b.py", 3, 1, (("a.py", 7, 9),))])
        _eq(dc({"a.py": "def f():\n    K = 'abc'\n    class C:\n        K = 'abc'\nif x:\n    K = 'abc'\n"
                        "for i in y:\n    K = 'abc'\ntry:\n    K = 'abc'\nexcept E:\n    pass\nwith z:\n    K = 'abc'\n"
                        "while w:\n    K = 'abc'\n",
                "b.py": "K = 'abc'\n"}), [])
        # value kinds and length
        _eq(dc({"a.py": "A = f'abc'\nB = b'abc'\nC = 'ab'\nD = 'é日😀'\nE = ('a' 'bc')\nF = 3\n",
                "b.py": "A = f'abc'\nB = b'abc'\nC = 'ab'\nD = 'é日😀'\nE = 'abc'\nF = 3\n"}),
            [("a.py", 4, 1, (("b.py", 4, 1),)), ("a.py", 5, 1, (("b.py", 5, 1),)),
             ("b.py", 4, 1, (("a.py", 4, 1),)), ("b.py", 5, 1, (("a.py", 5, 1),))])
        _eq(dc({"a.py": "C = 'ab'\n", "b.py": "C = 'ab'\n"}, {DC: {"min-length": 2}})[0][:3], ("a.py", 1, 1))
        _eq(dc({"a.py": "C = ''\n", "b.py": "C = ''\n"}, {DC: {"min-length": 0}})[0][:3], ("a.py", 1, 1))
        _eq(dc({"a.py": "D = 'abcd'\n", "b.py": "D = 'abcd'\n"}, {DC: {"min-length": 5}}), [])
        # names
        _eq(dc({"a.py": "__K_2 = 'abc'\nk = 'abc'\nKx = 'abc'\n_1K = 'abc'\nK1 = 'abc'\nÉ = 'abc'\n",
                "b.py": "__K_2 = 'abc'\nk = 'abc'\nKx = 'abc'\n_1K = 'abc'\nK1 = 'abc'\nÉ = 'abc'\n"}),
            [("a.py", 1, 1, (("b.py", 1, 1),)), ("a.py", 5, 1, (("b.py", 5, 1),)),
             ("b.py", 1, 1, (("a.py", 1, 1),)), ("b.py", 5, 1, (("a.py", 5, 1),))])
        _eq(dc({"a.py": "K = 'abc'\nL = 'abc'\n", "b.py": "K = 'abc'\nL = 'abc'\n"}, {DC: {"ignore-names": ["K"]}}),
            [("a.py", 2, 1, (("b.py", 2, 1),)), ("b.py", 2, 1, (("a.py", 2, 1),))])
        # production only; column in characters
        _eq(dc({"tests/a.py": "K = 'abc'\n", "b.py": "K = 'abc'\n", "c_test.py": "K = 'abc'\n"}), [])
        _eq(dc({"a.py": "x = 'é'; K = 'abc'\n", "b.py": "K = 'abc'\n"})[0][:3], ("a.py", 1, 10))

    # ---- rules 4 and 5 ---------------------------------------------------

    def mi(src):
        return _one(src, (MI,))

    @test
    def resolution_module_and_class():
        _eq(mi("patch\n"), [(1, 1)])
        _eq(mi("from unittest.mock import patch\npatch\n"), [])
        _eq(mi("patch\nfrom unittest.mock import patch\n"), [(1, 1)])
        _eq(mi("class C:\n    patch\nfrom unittest.mock import patch\n"), [(2, 5)])
        _eq(mi("class C:\n    x = patch\n    patch = 1\n"), [(2, 9)])
        _eq(mi("class C:\n    patch = 1\n    x = patch\n"), [])
        _eq(mi("class C:\n    patch = 1\n    def m(self):\n        return patch\n"), [(4, 16)])
        _eq(mi("class C:\n    def m(self):\n        return patch\nfrom unittest.mock import patch\n"), [])
        _eq(mi("patch = 1\nclass C:\n    patch\n"), [])
        _eq(mi("class C:\n    patch = 1\n    class D:\n        patch\n"), [(4, 9)])
        _eq(mi("x = patch.object(a, 'b')\ny = a.patch\npatch = 1\n"), [(1, 5)])
        _eq(mi("patch = 1\nMock()\n"), [(2, 1)])
        # textual: a binding's position is its name's, so these resolve (evaluation order is not modelled)
        _eq(mi("patch = patch\n(call := call)\nfor ANY in ANY: pass\nclass Mock(Mock): pass\n"), [])
        _eq(mi("x = patch; patch = 1\n"), [(1, 5)])

    @test
    def resolution_functions():
        _eq(mi("def f():\n    patch\nfrom unittest.mock import patch\n"), [])
        _eq(mi("def f():\n    patch\n    patch = 1\n"), [])
        _eq(mi("def f():\n    def g():\n        return patch\n    patch = 1\n"), [])
        _eq(mi("def f():\n    patch = 1\ndef g():\n    return patch\n"), [(4, 12)])
        _eq(mi("async def f():\n    return patch\n"), [(2, 12)])
        _eq(mi("def f():\n    class C:\n        patch\n    patch = 1\n"), [])
        _eq(mi("def f():\n    class C:\n        patch\nimport patch\n"), [])  # class in a function: anywhere
        _eq(mi("lambda patch: patch\n"), [])
        _eq(mi("lambda: patch\n"), [(1, 9)])
        _eq(mi("f = lambda: patch\npatch = 1\n"), [])
        _eq(mi("def f(a, /, b, *patch, c, **d): return patch\n"), [])
        for params in ["patch", "patch, /", "*, patch", "*patch", "**patch", "a=1, *, patch=2"]:
            _eq(mi("def f(%s):\n    return patch\n" % params), [], params)
            _eq(mi("g = lambda %s: patch\n" % params), [], params)

    @test
    def resolution_comprehensions():
        _eq(mi("[patch for patch in x]\n{patch for patch in x}\n{patch: 1 for patch in x}\n"
               "(patch for patch in x)\n"), [])
        _eq(mi("[x for x in patch]\n"), [(1, 13)])
        _eq(mi("[x for x in patch for patch in y]\n"), [(1, 13)])  # first iterable: enclosing scope
        _eq(mi("[x for patch in y for x in patch]\n[x for patch in y if patch]\n"), [])
        _eq(mi("[patch for x in y]\nfrom unittest.mock import patch\n"), [(1, 2)])
        _eq(mi("def f():\n    return [patch for x in y]\npatch = 1\n"), [])
        _eq(mi("class C:\n    patch = 1\n    a = [patch for x in y]\n"), [(3, 10)])
        _eq(mi("class C:\n    patch = [1]\n    a = [x for x in patch]\n"), [])
        _eq(mi("[[patch for a in patch] for patch in x]\n"), [])
        _eq(mi("[patch for x in y]\n[1 for patch in z]\n"), [(1, 2)])
        _eq(mi("{k: v for k, v in patch}\n"), [(1, 19)])

    @test
    def resolution_walrus():
        _eq(mi("[(patch := 1) for x in y]\npatch\n"), [])
        _eq(mi("def f():\n    [(patch := 1) for x in y]\n    return patch\n"), [])
        _eq(mi("class C:\n    [(patch := 1) for x in y]\n    patch\n"), [])
        _eq(mi("f = lambda: (patch := 1)\npatch\n"), [(2, 1)])
        _eq(mi("if (patch := 1):\n    pass\npatch\n"), [])
        _eq(mi("[[(patch := 1) for a in b] for c in d]\npatch\n"), [])

    @test
    def resolution_del():
        _eq(mi("from unittest.mock import patch\ndel patch\npatch\n"), [(3, 1)])
        _eq(mi("import patch\ndel patch\nimport patch\npatch\n"), [])
        _eq(mi("import patch\ndel patch\ndef f():\n    return patch\n"), [])
        _eq(mi("import patch\ndel patch\nclass C:\n    patch\n"), [(4, 5)])
        _eq(mi("import patch\nif x:\n    del patch\npatch\n"), [(4, 1)])
        _eq(mi("patch = 1\ndef f():\n    del patch\npatch\n"), [])  # del in a function: no unbinding
        _eq(mi("patch = 1\nclass C:\n    del patch\npatch\n"), [])  # nor in a class
        _eq(mi("def f():\n    del patch\n    return patch\n"), [(3, 12)])  # del does not bind
        _eq(mi("import patch\ndel patch\nx = [patch for a in b]\n"), [(3, 6)])

    @test
    def resolution_global_nonlocal():
        _eq(mi("def f():\n    global patch\n    patch = 1\npatch\n"), [])
        _eq(mi("patch\ndef f():\n    global patch\n    patch = 1\n"), [(1, 1)])
        _eq(mi("def f():\n    global patch\n    return patch\n"), [(3, 12)])
        _eq(mi("def g():\n    patch = 1\n    def f():\n        global patch\n        return patch\n"), [(5, 16)])
        _eq(mi("def g():\n    def f():\n        nonlocal patch\n        patch = 1\n    return patch\n"), [])
        _eq(mi("def g():\n    def f():\n        patch = 1\n    return patch\n"), [(4, 12)])
        _eq(mi("def a():\n    def b():\n        def c():\n            nonlocal patch\n            patch = 1\n"
               "        def d():\n            nonlocal patch\n            patch = 2\n    return patch\n"), [(9, 12)])
        _eq(mi("class C:\n    global patch\n    patch = 1\npatch\n"), [])
        _eq(mi("def f():\n    global patch\n    import patch\ndef g():\n    return patch\n"), [])

    @test
    def resolution_binding_forms():
        for binder in [
            "import patch", "import patch.sub", "import x as patch", "import x.y as patch",
            "from x import patch", "from x import y as patch", "from . import patch", "patch = 1", "patch += 1",
            "patch: int = 1", "x = patch = 1", "(a, [patch, *b]) = c", "[*patch] = c", "for patch in x: pass",
            "with x as patch: pass", "with x as (a, patch): pass", "try: pass\nexcept E as patch: pass",
            "def patch(): pass", "async def patch(): pass", "class patch: pass", "(patch := 1)",
            "match x:\n    case patch: pass", "match x:\n    case [1, *patch]: pass",
            "match x:\n    case {1: a, **patch}: pass", "match x:\n    case (1 | 2) as patch: pass",
            "match x:\n    case C(a=patch): pass", "if x:\n    import patch",
            "while x:\n    patch = 1", "try:\n    import patch\nexcept ImportError:\n    pass",
        ]:
            _eq(mi(binder + "\npatch\n"), [], binder)
        _eq(mi("async def f():\n    async for patch in x: pass\n    async with y as Mock: pass\n"
               "    return patch, Mock\n"), [])
        for non_binder in ["import x.patch", "from x import patch as y", "patch: int", "x.patch = 1",
                           "x['patch'] = 1", "del patch", "global patch",
                           "def f(patch): pass", "def f():\n    patch = 1", "class C:\n    patch = 1",
                           "lambda patch: 1", "[1 for patch in x]", "with x as y.patch: pass",
                           "try: pass\nexcept patch: pass"]:
            got = mi(non_binder + "\npatch\n")
            assert got and got[-1][0] == non_binder.count("\n") + 2, (non_binder, got)

    @test
    def resolution_positions_inside_statements():
        _eq(mi("try: pass\nexcept patch as patch: pass\n"), [(2, 8)])
        _eq(mi("match x:\n    case patch.A as patch: pass\n"), [(2, 10)])
        _eq(mi("match x:\n    case [1, patch.A] as patch: pass\n"), [(2, 14)])
        _eq(mi("match x:\n    case {patch.A: 1, **patch} if patch: pass\n"), [(2, 11)])
        _eq(mi("@patch\ndef patch(): pass\n"), [(1, 2)])
        _eq(mi("@patch\nclass patch: pass\n"), [(1, 2)])
        _eq(mi("def f():\n    @patch\n    def g(patch): pass\n"), [(2, 6)])
        _eq(mi("def f(patch=patch): pass\n"), [(1, 13)])
        _eq(mi("def f(*, patch=patch): pass\n"), [(1, 16)])
        _eq(mi("f = lambda patch=patch: patch\n"), [(1, 18)])
        _eq(mi("def f(a: patch) -> patch: pass\n"), [(1, 10), (1, 20)])
        _eq(mi("def f(patch, a: patch): pass\n"), [(1, 17)])
        _eq(mi("class C(patch, metaclass=Mock): pass\n"), [(1, 9), (1, 26)])
        _eq(mi("class C:\n    patch = 1\n    class D(patch): pass\n    @patch\n    def m(self, a=patch): pass\n"), [])
        _eq(mi("x = f'{patch}'\ny = f'{a:{Mock}}'\nz = f\"é{f'{call}'}\"\n"), [(1, 8), (2, 11), (3, 12)])

    @test
    def resolution_annotations():
        fut = "from __future__ import annotations\n"
        _eq(mi("def f(a: patch) -> Mock: pass\nfrom unittest.mock import patch, Mock\n"), [(1, 10), (1, 20)])
        _eq(mi(fut + "def f(a: patch) -> Mock: pass\nfrom unittest.mock import patch, Mock\n"), [])
        _eq(mi("x: patch = 1\ny: Mock\nimport patch, Mock\n"), [(1, 4), (2, 4)])
        _eq(mi(fut + "x: patch = 1\ny: Mock\nimport patch, Mock\n"), [])
        _eq(mi(fut + "class C:\n    x: patch\n    patch = 1\n"), [])
        _eq(mi(fut + "x = patch\nimport patch\n"), [(2, 5)])  # not an annotation
        _eq(mi(fut + "def f(a=patch): pass\nimport patch\n"), [(2, 9)])
        _eq(mi(fut + "x: patch\n"), [(2, 4)])  # deferred, still no binding
        _eq(mi(fut + "import patch\ndel patch\nx: patch\n"), [])  # deferred: del ignored
        _eq(mi(fut + "class C:\n    patch = 1\n    def m(self) -> patch: pass\n"), [])
        _eq(mi(fut + "class C:\n    patch = 1\n    def m(self):\n        x: patch\n"), [(5, 12)])
        _eq(mi("def f():\n    x: patch\n    patch = 1\n"), [])
        _eq(mi("def f(a: 'patch') -> 'Mock': pass\nx: 'call'\n"), [])  # string annotations not checked

    @test
    def resolution_star_import():
        _eq(mi("from os import *\npatch\n"), [])
        _eq(mi("patch\ndef f():\n    from os import *\n"), [])
        _eq(_one("from os import *\nMagicNone\n", (MN,)), [])
        _eq(mi("from os import path\npatch\n"), [(2, 1)])

    @test
    def magic_none_and_names():
        _eq(_one("x = MagicNone\nMagicNone = object()\ny = MagicNone\n", (MN,)), [(1, 5)])
        _eq(_one("def f():\n    return MagicNone\n", (MN,)), [(2, 12)])
        _eq(_one("x = MagicNone\n", (MI,)), [])
        _eq(_one("x = patch\n", (MN,)), [])
        got = _proj({"m.py": "MagicNone\npatch\n"})
        _eq(got, [("m.py", MN, 1, 1), ("m.py", MI, 2, 1)])
        names = sorted(MOCK_NAMES)
        _eq(len(names), 14)
        src = "".join("%s\n" % n for n in names) + "mock\nMockito\nunittest\nNone\nprint\n"
        _eq(mi(src), [(i + 1, 1) for i in range(len(names))])
        _eq(mi("s = 'é'; Mock()\n"), [(1, 10)])
        _eq(_one("patch\n", (MI,), path="tests/test_x.py"), [(1, 1)])  # every category

    # ---- rule 6 ----------------------------------------------------------

    @test
    def mock_in_real_test():
        def mr(src, path="e2e/test_x.py", config=None):
            return _one(src, (MR,), config, path)
        _eq(mr("import mock\nimport unittest.mock\nimport pytest_mock\nfrom unittest import mock\n"
               "from unittest.mock import patch\nfrom mock import Mock\nfrom pytest_mock import MockerFixture\n"
               "import os, mock.x as y\nfrom unittest import (TestCase,\n    mock as m)\nfrom mock.sub import z\n"
               "if x:\n    import mock\ndef f():\n    from unittest import mock\n"),
            [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1), (11, 1), (13, 5), (15, 5)])
        _eq(mr("import unittest\nimport mockito\nimport pytest\nfrom unittest import TestCase\n"
               "from . import mock\nfrom .mock import patch\nfrom x import mock\nimport x.mock\n"
               "from unittest import mocks\nimport unittest.mocks\nfrom pytest import mock\nimport pytest_mocker\n"
               "from unittest import *\n"), [])
        _eq(mr("import mock; import mock\n"), [(1, 1), (1, 14)])
        _eq(mr("def test(mocker): pass\nasync def t(a, *, mocker=None): pass\nf = lambda mocker: 0\n"
               "def g(*mocker): pass\ndef h(**mocker): pass\ndef k(mocker, /): pass\nmocker = 1\nmocker()\n"
               "def n(self, mocker_x, my_mocker): pass\n"),
            [(1, 10), (2, 19), (3, 12), (4, 8), (5, 9), (6, 7)])
        _eq(mr("x = 'é'; f = lambda mocker: 0\n"), [(1, 21)])
        # paths
        src = "import mock\n"
        _eq(mr(src, path="e2e/a.py"), [(1, 1)])
        _eq(mr(src, path="tests/e2e/sub/test_a.py"), [(1, 1)])
        _eq(mr(src, path="tests/test_a.py"), [])
        _eq(mr(src, path="e2e.py"), [])
        _eq(mr(src, path="tests/e2e_x/a.py"), [])
        _eq(mr(src, path="real/a.py", config={MR: {"paths": ["real/**"]}}), [(1, 1)])
        _eq(mr(src, path="e2e/a.py", config={MR: {"paths": ["real/**"]}}), [])

    # ---- files and output -------------------------------------------------

    @test
    def decoding_and_skips():
        for data, reason in [
            (b"import os\x00\n", SKIP_NUL), (b"x = '\xe9'\n", SKIP_UTF8), (b"def f(:\n", SKIP_PARSE),
            (b"\xef\xbb\xbf\xef\xbb\xbfx = 1\n", SKIP_PARSE), (b"x = " + b"(" * 300 + b")" * 300 + b"\n", SKIP_PARSE),
        ]:
            _eq(decode_and_parse(data)[:1], ("skipped",), data[:20])
            _eq(decode_and_parse(data)[1], reason, data[:20])
        # skipped files take part in nothing
        got = _proj({"a.py": "class UserManager: pass\nK = 'abc'\n", "b.py": b"class UserManager: pass\nK = '\xe9'\n",
                     "c.py": "K = 'abc'\nclass UserManager(:\n"})
        _eq(got, [("b.py", SKIP_UTF8), ("c.py", SKIP_PARSE)])
        _eq(_one(b"\xef\xbb\xbfpatch\n", (MI,)), [(1, 1)])
        _eq(_one("x = 1\r\ny = patch\r\n", (MI,)), [(2, 5)])
        _eq(_one("x = 1\ry = patch\r", (MI,)), [(2, 5)])
        _eq(_one("x = 1;\x0cy = patch\n", (MI,)), [(1, 12)])  # \f is not a line break

    @test
    def walker_and_output():
        with tempfile.TemporaryDirectory() as tmp:
            def write(rel, data):
                full = os.path.join(tmp, *rel.split("/"))
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as fh:
                    fh.write(data)
            write("b.py", b"class UserManager: pass\nMagicNone\n")
            write("a/c.py", b"x = 'caf\xc3\xa9'\nclass  UserManager: pass\ny = ('\xc3\xa9', MagicNone)\n")
            write("a/z.pyi", b"patch\n")
            write("a/bad.py", b"def (\n")
            write(".hidden/h.py", b"patch\n")
            write("__pycache__/p.py", b"patch\n")
            write("skipme/p.py", b"patch\n")
            write("a/not_python.txt", b"patch\n")
            old = set(SKIP_DIRS)
            SKIP_DIRS.add("skipme")
            try:
                records, summary = run(tmp)
            finally:
                SKIP_DIRS.clear()
                SKIP_DIRS.update(old)
            lines = [json.dumps(r, ensure_ascii=False) for r in records]
            expected = [
                '{"path": "a/bad.py", "skipped": "parse-error"}',
                '{"path": "a/c.py", "rule": "duplicate-manager-class", "line": 2, "column": 8, '
                '"related": [["b.py", 1, 7]]}',
                '{"path": "a/c.py", "rule": "magic-none", "line": 3, "column": 11}',
                '{"path": "a/z.pyi", "rule": "missing-mock-import", "line": 1, "column": 1}',
                '{"path": "b.py", "rule": "duplicate-manager-class", "line": 1, "column": 7, '
                '"related": [["a/c.py", 2, 8]]}',
                '{"path": "b.py", "rule": "magic-none", "line": 2, "column": 1}',
            ]
            assert lines == expected, "\n".join(lines)
            assert summary["analysed"] == 3 and summary["files"] == 4, summary
            records, _ = run(tmp, (MN,))
            _eq([(r["path"], r.get("rule")) for r in records], [("a/bad.py", None), ("a/c.py", MN), ("b.py", MN)])

    @test
    def sort_order_same_position():
        got = _proj({"e2e/a.py": "def f(mocker=MagicNone, patch=call): pass\n"})
        _eq([g[1:] for g in got], [(MR, 1, 7), (MN, 1, 14), (MI, 1, 31)])
        got = _proj({"m.py": "Mock(patch)\n"}, (MI,))
        _eq([g[2:] for g in got], [(1, 1), (1, 6)])

    @test
    def command_line():
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "m.py"), "wb") as fh:
                fh.write(b"x = 'go'\nMagicNone\n")
            import io
            import contextlib
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                rc = main(["--rules", "scattered-event-literal", "--config",
                           '{"scattered-event-literal": {"events": ["go"]}}', tmp])
            _eq(rc, 0)
            _eq(buf.getvalue(), '{"path": "m.py", "rule": "scattered-event-literal", "line": 1, "column": 5}\n')

    failures = 0
    for fn in tests:
        try:
            fn()
        except AssertionError as exc:
            failures += 1
            print("FAIL %s: %s" % (fn.__name__, exc), file=sys.stderr)
        except Exception as exc:  # noqa: BLE001
            failures += 1
            import traceback
            traceback.print_exc()
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
    parser.add_argument("--config", default=None, metavar="JSON", help="rule options as a JSON object")
    parser.add_argument("--self-test", action="store_true", help="run the built-in tests")
    parser.add_argument("--stats", action="store_true", help="print a summary to stderr")
    parser.add_argument("--skip-dir", action="append", default=[], metavar="NAME",
                        help="do not enter directories with this name (repeatable)")
    args = parser.parse_args(argv)

    if args.self_test:
        return 0 if _self_tests() else 1
    if args.root is None:
        parser.error("ROOT is required (or --self-test)")
    if not os.path.exists(args.root):
        parser.error("no such file or directory: %s" % args.root)
    try:
        options = make_options(json.loads(args.config) if args.config is not None else None)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        parser.error("--config: %s" % exc)

    SKIP_DIRS.update(args.skip_dir)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    started = time.monotonic()
    records, summary = run(args.root, args.rules, options)
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
