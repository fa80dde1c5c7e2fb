"""Oracle for reexport-import: CPython decides which module defines an imported name.

`generate DIR SEED` writes a random project of packages, subpackages and modules ("units"),
ordered so that importing any of them succeeds: a unit imports only units made before it, whose
packages are made before it too or are its own (a package's `__init__` comes after its
submodules, and never imports from its own package's `__init__`). Each unit defines classes
and functions, and binds names of earlier units in every form a re-export takes: plain and
renamed `from … import` (absolute or relative), a redundant alias (`from x import n as n`), a
name listed in `__all__`, a name bound twice (`try`/`except ImportError`), a name imported with
a fallback definition, an import from outside the project, a module (`import a.b as m`, and a
top-level `import a as m`), a package's own submodule (`from . import m`, and `from . import m
as s`), and a name of a
submodule bound under the submodule's own name (`from .m import f as m`, as SQLAlchemy's
`orm.mapper`). Client modules (imported by no unit) then import
names of random units, one or several per statement, absolute or relative. What the generator
meant by each binding is written to `DIR/oracle.json` (not a Python file).

`check DIR` imports every module with `importlib` (sys.path = [DIR]) and prints, one JSON object
per line, each name of each `from … import` statement of the project's (the units' and the
clients', wherever it stands) that imports from the project: its place (path, line and 1-based
column of the imported name, as ssot reports it), the bound name, the unit it is imported from,
the identity (`key`) of the object that import gives (CPython runs it: `getattr` of the imported
module, or its submodule), where CPython says that object is defined (`defined_in`: `__module__`
of a class or function, `__name__` of a module), and whether reexport-import should report it
(`expected`, and `expected_strict` with `strict = true`): the unit binds the name by exactly one
import of something in the project, does not define it, is not the importing module itself, and
(unless strict) does not offer the name as public API; a module bound by `import a.b as m` or
`from . import b as m` only when CPython's `from a import b` gives that very module and (as ssot
reads it, not following what runs first) the package binds `b` to nothing else.
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
    # The tree: packages (dotted name → parent package or None) and module files.
    packages = {}
    for p in range(rng.randint(2, 3)):
        top = f"pkg{p}"
        packages[top] = None
        for s in range(rng.randint(0, 2)):
            packages[f"{top}.sub{s}"] = top
    files = []
    for index in range(rng.randint(6, 12)):
        files.append(f"{rng.choice(sorted(packages))}.m{index}")

    def ancestors(unit):
        parts = unit.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts))]

    # The order of the units: a package's `__init__` after every unit below it.
    remaining = sorted(packages) + files
    order = []
    while remaining:
        ready = [u for u in remaining if not any(o.startswith(u + ".") for o in remaining if o != u)]
        unit = rng.choice(ready)
        order.append(unit)
        remaining.remove(unit)
    position = {unit: i for i, unit in enumerate(order)}

    def importable(importer, unit):
        """Whether `importer` may import `unit` at its top: made before it, and so are the
        packages above it that are not `importer`'s own."""
        mine = set(ancestors(importer)) | ({importer} if importer in packages else set())
        before = lambda u: position[u] < position[importer]
        return before(unit) and unit not in mine and all(a in mine or before(a) for a in ancestors(unit))

    def relative(importer, unit):
        """`unit` written relative to `importer` (a module file or package), when they share a
        top package."""
        package = importer.split(".") if importer in packages else importer.split(".")[:-1]
        target = unit.split(".")
        common = 0
        while common < min(len(package), len(target)) and package[common] == target[common]:
            common += 1
        if common == 0:
            return None
        return "." * (len(package) - common + 1) + ".".join(target[common:])

    shadowed = set()  # submodules whose package binds their name to something else
    imported_modules = set()  # modules some unit imports with `import a.b as m`
    offered = {}  # unit → names it binds (importable from it)
    meta = {}  # unit → {name: {"kind": …, "public": bool}}
    for u, unit in enumerate(order):
        lines, names, kinds = [], [], {}

        def bind(name, kind, public=False):
            names.append(name)
            kinds[name] = {"kind": kind, "public": public}

        sources = [v for v in order[:u] if importable(unit, v) and offered.get(v)]
        for k in range(rng.randint(1, 7)):
            form = rng.randrange(13)
            written = None
            if sources:
                source = rng.choice(sources)
                name = rng.choice(offered[source])
                written = source
                if rng.random() < 0.4:
                    written = relative(unit, source) or source
            if form <= 1 or written is None:
                if rng.random() < 0.5:
                    bind(f"C_{u}_{k}", "defined")
                    lines.append(f"class C_{u}_{k}:\n    pass\n")
                else:
                    bind(f"f_{u}_{k}", "defined")
                    lines.append(f"def f_{u}_{k}():\n    return {k}\n")
                continue
            if form in (2, 3) and name not in names:
                bind(name, "import")
                lines.append(f"from {written} import {name}\n")
            elif form == 4:
                bind(f"r_{u}_{k}", "import")
                lines.append(f"from {written} import {name} as r_{u}_{k}\n")
            elif form == 5 and name not in names:
                bind(name, "import", public=True)
                lines.append(f"from {written} import {name} as {name}\n")
            elif form == 6:
                bind(f"d_{u}_{k}", "twice")
                lines.append(
                    f"try:\n    from {written} import {name} as d_{u}_{k}\n"
                    f"except ImportError:\n    from {source} import {name} as d_{u}_{k}\n"
                )
            elif form == 7:
                # Imported, and defined too (a fallback): not only a re-export.
                bind(f"a_{u}_{k}", "defined")
                lines.append(
                    f"try:\n    from {written} import {name} as a_{u}_{k}\n"
                    f"except ImportError:\n    def a_{u}_{k}():\n        return None\n"
                )
            elif form == 8:
                module, external = rng.choice([("json", "dumps"), ("collections", "OrderedDict"), ("fractions", "Fraction")])
                bind(f"x_{u}_{k}", "external")
                lines.append(f"from {module} import {external} as x_{u}_{k}\n")
            elif form == 9 and not any(a in shadowed for a in ancestors(source) + [source]):
                # A module: `import a.b as m` is `a`'s submodule `b`; a top-level one has no `from`.
                bind(f"mod_{u}_{k}", "module" if "." in source else "top-level module")
                lines.append(f"import {source} as mod_{u}_{k}\n")
                imported_modules.update(ancestors(source) + [source])
            elif form == 11 and unit in packages:
                # A name of a submodule bound under the submodule's own name: `from pkg import
                # sub` gives that name, not the module.
                own = [v for v in order[:u] if v.rsplit(".", 1)[0] == unit and offered.get(v)]
                # (`import pkg.sub as m` takes the attribute: no module imported so is shadowed.)
                own = [v for v in own if v.rsplit(".", 1)[1] not in names and v not in imported_modules]
                if own:
                    sub = rng.choice(own)
                    shadowed.add(sub)
                    bind(sub.rsplit(".", 1)[1], "shadows a submodule")
                    lines.append(f"from .{sub.rsplit('.', 1)[1]} import {rng.choice(offered[sub])} as {sub.rsplit('.', 1)[1]}\n")
            elif form == 12 and unit in packages:
                # A package's own submodule under another name.
                own = [v for v in order[:u] if v.rsplit(".", 1)[0] == unit]
                if own:
                    sub = rng.choice(own).rsplit(".", 1)[1]
                    bind(f"s_{u}_{k}", "module")
                    kinds[f"s_{u}_{k}"]["own"] = sub
                    lines.append(f"from . import {sub} as s_{u}_{k}\n")
            elif form == 10 and unit in packages:
                own = [v for v in order[:u] if v.rsplit(".", 1)[0] == unit and v.rsplit(".", 1)[1] not in names]
                if own:
                    sub = rng.choice(own).rsplit(".", 1)[1]
                    bind(sub, "submodule")
                    lines.append(f"from . import {sub}\n")
        if names and rng.random() < 0.4:
            listed = [n for n in names if rng.random() < 0.5]
            for n in listed:
                kinds[n]["public"] = True
            lines.append(f"__all__ = {listed!r}\n")
        path = os.path.join(root, *unit.split("."))
        if unit in packages:
            path = os.path.join(path, "__init__.py")
        else:
            path += ".py"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("".join(lines))
        offered[unit] = names
        meta[unit] = kinds
    # Clients: module files no unit imports, at the root and inside packages.
    units = [v for v in order if offered[v]]
    for c in range(rng.randint(3, 6)):
        package = rng.choice([None] + sorted(packages))
        client = f"client{c}" if package is None else f"{package}.client{c}"
        lines = []
        for k in range(rng.randint(4, 10)):
            unit = rng.choice(units)
            picked = sorted(set(rng.sample(offered[unit], min(len(offered[unit]), rng.choice([1, 1, 1, 2, 3])))))
            written = unit
            if package is not None and rng.random() < 0.5:
                written = relative(client, unit) or unit
            aliases = [n if rng.random() < 0.7 else f"{n} as b_{c}_{k}_{i}" for i, n in enumerate(picked)]
            if len(aliases) > 1 and rng.random() < 0.5:
                lines.append(f"from {written} import (\n    " + ",\n    ".join(aliases) + ",\n)\n")
            else:
                lines.append(f"from {written} import {', '.join(aliases)}\n")
        path = os.path.join(root, *client.split(".")) + ".py"
        with open(path, "w") as f:
            f.write("".join(lines))
    with open(os.path.join(root, "oracle.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


def key(obj):
    if type(obj).__name__ == "module":
        return "module:" + obj.__name__
    return f"{obj.__module__}:{obj.__qualname__}"


def check(root):
    root = os.path.abspath(root)
    sys.path.insert(0, root)
    meta = json.load(open(os.path.join(root, "oracle.json")))
    for directory, subdirs, files in sorted(os.walk(root)):
        subdirs.sort()
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            path = os.path.join(directory, file)
            shown = os.path.relpath(path, root).replace(os.sep, "/")
            dotted = shown[: -len(".py")].replace("/", ".")
            importlib.import_module(dotted.removesuffix(".__init__"))  # raises on a bad import
            package = dotted.split(".")[:-1]
            for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
                if not isinstance(node, ast.ImportFrom):
                    continue
                base = package[: len(package) + 1 - node.level] if node.level else []
                unit = ".".join(base + ([node.module] if node.module else []))
                if unit not in meta:
                    continue  # outside the project
                imported = importlib.import_module(unit)
                for alias in node.names:
                    if hasattr(imported, alias.name):
                        obj = getattr(imported, alias.name)
                    else:
                        obj = importlib.import_module(f"{unit}.{alias.name}")
                    binding = meta[unit].get(alias.name, {"kind": "submodule", "public": False})
                    reexport = binding["kind"] == "import"
                    if binding["kind"] == "module":
                        # `import a.b as m`, `from . import b as m`: reported when `from a import
                        # b` gives that module (a package that binds `b` otherwise gives that).
                        parent, _, last = obj.__name__.rpartition(".") if type(obj).__name__ == "module" else ("", "", "")
                        reexport = bool(parent) and getattr(importlib.import_module(parent), last, None) is obj
                        # ssot does not follow a package's own submodule it binds otherwise too.
                        own = meta[unit].get(binding.get("own"), {"kind": "submodule"})
                        reexport = reexport and own["kind"] == "submodule"
                    reexport = reexport and unit != dotted.removesuffix(".__init__")
                    print(
                        json.dumps(
                            {
                                "path": shown,
                                "line": alias.lineno,
                                "column": alias.col_offset + 1,
                                "bound": alias.asname or alias.name,
                                "unit": unit,
                                "key": key(obj),
                                "defined_in": obj.__name__ if type(obj).__name__ == "module" else obj.__module__,
                                "expected": reexport and not binding["public"],
                                "expected_strict": reexport,
                            }
                        )
                    )


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2])
