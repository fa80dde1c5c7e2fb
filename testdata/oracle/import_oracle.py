"""Oracle for unresolved-import: CPython's own import system.

`generate DIR SEED` writes a random project: packages, subpackages, namespace packages, modules
binding names in many ways (definitions, assignments, tuple targets, `for`/`with`/`except`
targets, walrus, annotations with and without a value, `__all__` and star imports), and client
modules holding import statements of every form (absolute, relative, inside functions, under
`if TYPE_CHECKING:`, optional ones in `try`/`except ImportError`), about a third of them
broken. Library modules import only what exists and only modules generated before them, so
importing any library module succeeds; nothing imports a client.

`check DIR NAMESPACE...` prints, one JSON object per line, every import statement target that
CPython cannot import: for each import statement of each file (found with `ast`), not inside a
`try` body with an `ImportError` handler, whose top-level package is local (a module or regular
package in DIR, or one of the NAMESPACE directories) or which is relative, the oracle runs the
import with `importlib` (sys.path = [DIR]) and reports the dotted name, the module, or each name
that fails, at its line and column (1-based, as ssot reports them).
"""

import ast
import importlib
import json
import os
import random
import sys


def generate(root, seed):
    rng = random.Random(seed)
    os.makedirs(root, exist_ok=True)
    words = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta", "zeta", "lambda_"]
    modules = []  # (dotted name, path, [names bound])

    def bindings(index):
        """Source binding names, and the names it binds."""
        names, lines = [], []
        for k in range(rng.randint(2, 6)):
            name = f"{rng.choice(words)}_{index}_{k}"
            form = rng.randrange(9)
            if form == 0:
                lines.append(f"def {name}():\n    return {k}\n")
            elif form == 1:
                lines.append(f"class {name.title()}:\n    pass\n")
                name = name.title()
            elif form == 2:
                lines.append(f"{name} = {k}\n")
            elif form == 3:
                lines.append(f"{name}, ({name}_b, *{name}_c) = 1, (2, 3)\n")
                names += [f"{name}_b", f"{name}_c"]
            elif form == 4:
                lines.append(f"for {name} in range(1):\n    pass\n")
            elif form == 5:
                lines.append(f"if ({name} := {k + 1}):\n    {name}_inner = 1\n")
                names.append(f"{name}_inner")
            elif form == 6:
                lines.append(f"{name}: int = {k}\n{name}_annotated: int\n")
            elif form == 7:
                lines.append(f"try:\n    {name} = int('{k}')\nexcept ValueError as {name}_error:\n    pass\n")
            else:
                lines.append(f"import os as {name}\n")
            names.append(name)
        return "".join(lines), names

    packages = [("", root)]
    for p in range(rng.randint(2, 4)):
        name = f"pkg{p}"
        packages.append((name, os.path.join(root, name)))
        for s in range(rng.randint(0, 2)):
            packages.append((f"{name}.sub{s}", os.path.join(root, name, f"sub{s}")))
    packages.append(("nsp.part", os.path.join(root, "nsp", "part")))  # a namespace package
    for dotted, path in packages[1:]:
        os.makedirs(path, exist_ok=True)
        if not dotted.startswith("nsp"):
            body, names = bindings(len(modules))
            with open(os.path.join(path, "__init__.py"), "w") as f:
                f.write(body)
            modules.append((dotted, names))
    for index in range(rng.randint(8, 16)):
        dotted_package, path = rng.choice(packages[1:])
        name = f"mod{index}"
        body, names = bindings(len(modules))
        header = ""
        # Module-level imports only of modules made before this one (no cycles), all existing.
        if modules and rng.random() < 0.5:
            other, other_names = rng.choice(modules)
            if other_names and other:
                picked = rng.choice(other_names)
                header += f"from {other} import {picked}\n"
                names.append(picked)
        if modules and rng.random() < 0.3:
            other, other_names = rng.choice(modules)
            if other:
                header += f"from {other} import *\n"  # its names are not offered to clients
        if rng.random() < 0.3 and len(names) > 1:
            header += f"__all__ = {names[:1]!r}\n"
        with open(os.path.join(path, name + ".py"), "w") as f:
            f.write(header + body)
        modules.append((f"{dotted_package}.{name}", names))
    # Clients: import statements of every form, about a third broken.
    for index in range(rng.randint(4, 8)):
        dotted_package, path = rng.choice([p for p in packages[1:] if not p[0].startswith("nsp")])
        lines = ["from typing import TYPE_CHECKING\n"]
        for k in range(rng.randint(6, 14)):
            module, names = rng.choice(modules)
            broken = rng.random() < 0.35
            name = rng.choice(names) if names else "nothing"
            if broken:
                if rng.random() < 0.5:
                    name = f"missing_{k}"
                else:
                    module = f"{module}.gone_{k}"
            form = rng.randrange(6)
            if form == 0:
                statement = f"import {module}\n"
            elif form == 1 and dotted_package and module.startswith(dotted_package + "."):
                statement = f"from .{module[len(dotted_package) + 1:]} import {name}\n"
            elif form == 2:
                statement = f"def function_{k}():\n    from {module} import {name}\n    return {name}\n"
            elif form == 3:
                statement = f"if TYPE_CHECKING:\n    from {module} import {name}\n"
            elif form == 4:
                statement = f"try:\n    from {module} import {name}\nexcept ImportError:\n    pass\n"
            else:
                statement = f"from {module} import ({name},)\n"
            lines.append(statement)
        if rng.random() < 0.5:
            lines.append(f"from nsp.part import {'hook' if rng.random() < 0.5 else 'absent'}\n")
        with open(os.path.join(path, f"client{index}.py"), "w") as f:
            f.write("".join(lines))
    with open(os.path.join(root, "nsp", "part", "hook.py"), "w") as f:
        f.write("X = 1\n")


def optional(node, parents):
    """In the body of a `try` whose handlers catch ImportError (no function between)."""
    child = node
    while id(child) in parents:
        parent = parents[id(child)]
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                caught = [n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)] if handler.type else []
                if handler.type is None or {"ImportError", "ModuleNotFoundError"} & set(caught):
                    return True
        child = parent
    return False


def check(root, namespaces):
    root = os.path.abspath(root)
    sys.path.insert(0, root)

    def local(top):
        return (
            os.path.isfile(os.path.join(root, top + ".py"))
            or os.path.isfile(os.path.join(root, top, "__init__.py"))
            or (top in namespaces and os.path.isdir(os.path.join(root, top)))
        )

    def importable(name):
        try:
            importlib.import_module(name)
            return True
        except ImportError:
            return False

    for directory, subdirs, files in sorted(os.walk(root)):
        subdirs.sort()
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            path = os.path.join(directory, file)
            shown = os.path.relpath(path, root)
            source = open(path, encoding="utf-8").read()
            tree = ast.parse(source)
            parents = {id(child): parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
            package = os.path.relpath(directory, root).replace(os.sep, ".")
            lines = source.splitlines()
            for node in ast.walk(tree):
                if not isinstance(node, (ast.Import, ast.ImportFrom)) or optional(node, parents):
                    continue
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if local(alias.name.split(".")[0]) and not importable(alias.name):
                            print(json.dumps({"path": shown, "line": alias.lineno, "column": alias.col_offset + 1}))
                    continue
                if node.level:
                    base = package.split(".")[: len(package.split(".")) + 1 - node.level]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module
                    if not local(module.split(".")[0]):
                        continue
                text = lines[node.lineno - 1]
                column = text.index("from") + 4
                column += len(text[column:]) - len(text[column:].lstrip())
                if not importable(module):
                    print(json.dumps({"path": shown, "line": node.lineno, "column": column + 1}))
                    continue
                imported = importlib.import_module(module)
                for alias in node.names:
                    if alias.name == "*" or hasattr(imported, alias.name) or importable(f"{module}.{alias.name}"):
                        continue
                    print(json.dumps({"path": shown, "line": alias.lineno, "column": alias.col_offset + 1}))


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], sys.argv[3:])
