"""Judges a tree that `ssot check --fix` rewrote, against a copy of the tree from before.

    python3 fix_oracle.py BEFORE AFTER

Independent of ssot: CPython's `ast` reads both trees and `importlib.util.resolve_name` says
what each relative import meant. Prints one JSON object:
    {"files": n, "rewritten": n, "problems": [...]}
A problem is a file that parsed before and no longer does, an import whose names or level
changed in any other way than a relative import becoming the absolute module it resolved to
(the package of a file is its directory below the tree's root), or an added import that is not
`from unittest.mock import ...` / `from mock import ...`. Standard library only.
"""

import ast
import importlib.util
import json
import os
import sys


def imports(tree):
    """Every import statement, in source order, as (level, module, names)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.col_offset, node.level, node.module, [(a.name, a.asname) for a in node.names]))
        elif isinstance(node, ast.Import):
            found.append((node.lineno, node.col_offset, 0, None, [(a.name, a.asname) for a in node.names]))
    found.sort()
    return [entry[2:] for entry in found]


def main(before_root, after_root):
    files = rewritten = 0
    problems = []
    for directory, _, names in os.walk(before_root):
        for name in names:
            if not name.endswith((".py", ".pyi")):
                continue
            before_path = os.path.join(directory, name)
            relative = os.path.relpath(before_path, before_root)
            after_path = os.path.join(after_root, relative)
            if not os.path.exists(after_path):
                continue
            try:
                with open(before_path, "rb") as f:
                    before = ast.parse(f.read())
            except (SyntaxError, ValueError):
                continue
            files += 1
            try:
                with open(after_path, "rb") as f:
                    after = ast.parse(f.read())
            except (SyntaxError, ValueError) as err:
                problems.append(f"{relative}: no longer parses: {err}")
                continue
            package = ".".join(os.path.dirname(relative).split(os.sep)) if os.path.dirname(relative) else ""
            old, new = imports(before), imports(after)
            # Imports the fixes added: mock imports only, and they are not compared further.
            def is_mock(entry):
                return entry[0] == 0 and entry[1] in ("unittest.mock", "mock")

            kept = [entry for entry in new if not is_mock(entry)]
            old_kept = [entry for entry in old if not is_mock(entry)]
            if len(old_kept) != len(kept):
                problems.append(f"{relative}: {len(old_kept)} imports before, {len(kept)} after")
                continue
            for (level, module, names), (new_level, new_module, new_names) in zip(old_kept, kept):
                if names != new_names:
                    problems.append(f"{relative}: imported names changed: {names} -> {new_names}")
                elif (level, module) == (new_level, new_module):
                    continue
                elif level and not new_level:
                    rewritten += 1
                    meant = importlib.util.resolve_name("." * level + (module or ""), package)
                    if meant != new_module:
                        problems.append(f"{relative}: {'.' * level}{module or ''} meant {meant}, rewritten {new_module}")
                else:
                    problems.append(f"{relative}: {'.' * level}{module} became {'.' * new_level}{new_module}")
    print(json.dumps({"files": files, "rewritten": rewritten, "problems": problems}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
