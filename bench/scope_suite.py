#!/usr/bin/env python3
"""Precision and recall of ssot's unresolved-name rules against pyflakes.

ssot's `missing-mock-import` and `magic-none` flag loads of `unittest.mock` names that resolve
to no binding; pyflakes' undefined-name check is the reference. This script runs both on the
same Python files and compares, name by name, the places each reports:

- pyflakes: its `UndefinedName` and `UndefinedLocal` messages ("undefined name 'X'", "local
  variable 'X' … referenced before assignment": both a NameError when the line runs) whose name
  is one of the mock names;
- ssot: `check --select missing-mock-import,magic-none --format json --no-cache`.

Precision is the share of ssot's places that pyflakes reports too, recall the share of
pyflakes' places that ssot reports. With `--list`, every disagreement is printed.

pyflakes is not a dependency of the project: install it anywhere for a measurement
(`pip install --target "$(mktemp -d)" pyflakes`) and pass that directory with `--pyflakes DIR`
(without it, pyflakes must be importable as it is).

    python3 bench/scope_suite.py --pyflakes /tmp/pf --ssot target/release/ssot \
        testdata/rules/missing-mock-import testdata/rules/magic-none
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

MOCK_NAMES = frozenset(
    "Mock MagicMock AsyncMock NonCallableMock NonCallableMagicMock PropertyMock patch call ANY "
    "sentinel mock_open create_autospec seal DEFAULT MagicNone".split()
)
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = [ROOT / "testdata/rules/missing-mock-import", ROOT / "testdata/rules/magic-none"]


def python_files(paths):
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path
            continue
        for file in sorted(path.rglob("*.py")):
            if "site-packages" not in file.parts:
                yield file


def char_column(line: str, byte_offset: int) -> int:
    """1-based column in characters of a 0-based UTF-8 byte offset into `line`."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def pyflakes_places(files):
    """(path, line, column, name) of every undefined mock name pyflakes reports."""
    from pyflakes import checker, messages

    kinds = (messages.UndefinedName, messages.UndefinedLocal)
    places = set()
    for file in files:
        try:
            source = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if source.startswith("\ufeff"):
            source = source[1:]
        try:
            tree = compile(source, str(file), "exec", 0x400)  # ast.PyCF_ONLY_AST
        except (SyntaxError, ValueError):
            continue
        lines = source.splitlines()
        try:
            found = checker.Checker(tree, filename=str(file)).messages
        except RecursionError:
            continue
        for message in found:
            if not isinstance(message, kinds) or message.message_args[0] not in MOCK_NAMES:
                continue
            text = lines[message.lineno - 1] if message.lineno <= len(lines) else ""
            places.add((str(file.resolve()), message.lineno, char_column(text, message.col), message.message_args[0]))
    return places


def ssot_places(binary, paths, extra):
    places = set()
    for path in paths:
        places |= ssot_places_in(binary, Path(path), extra)
    return places


def ssot_places_in(binary, root, extra):
    """ssot's places in one file or directory (its paths are relative to the scanned root)."""
    args = [binary, "check", str(root), "--select", "missing-mock-import", "--select", "magic-none", "--no-ignore",
            "--no-cache", "--format", "json", "--exclude", "site-packages/**", *extra]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode > 1:
        sys.exit(f"ssot failed ({run.returncode}): {run.stderr}")
    report = json.loads(run.stdout)
    places = set()
    for diagnostic in report["diagnostics"]:
        path = Path(diagnostic["path"])
        if not path.is_absolute():
            base = root if root.is_dir() else root.parent
            path = base / path if (base / path).exists() else Path.cwd() / path
        line, column = diagnostic["line"], diagnostic["column"]
        text = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[line - 1]
        rest = text[column - 1:]
        name = next((n for n in sorted(MOCK_NAMES, key=len, reverse=True) if rest.startswith(n)), rest[:20])
        places.add((str(path.resolve()), line, column, name))
    return places


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    parser.add_argument("--pyflakes", help="directory holding the pyflakes package")
    parser.add_argument("--ssot", default=str(ROOT / "target/release/ssot"), help="the ssot binary")
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    parser.add_argument("--ssot-arg", action="append", default=[], help="extra argument for ssot")
    args = parser.parse_args()
    if args.pyflakes:
        sys.path.insert(0, args.pyflakes)
    try:
        import pyflakes  # noqa: F401
    except ImportError:
        sys.exit("pyflakes is not importable: pass --pyflakes DIR")

    files = list(python_files(args.paths))
    reference = pyflakes_places(files)
    found = ssot_places(args.ssot, args.paths, args.ssot_arg)
    agreed = reference & found
    precision = len(agreed) / len(found) if found else 1.0
    recall = len(agreed) / len(reference) if reference else 1.0
    print(f"files {len(files)}  pyflakes {len(reference)}  ssot {len(found)}  both {len(agreed)}")
    print(f"precision {precision:.4f}  recall {recall:.4f}")
    if args.list:
        for place in sorted(found - reference):
            print("ssot only:     %s:%d:%d %s" % place)
        for place in sorted(reference - found):
            print("pyflakes only: %s:%d:%d %s" % place)


if __name__ == "__main__":
    main()
