#!/usr/bin/env python3
"""Builds a benchmark corpus shaped like a large Python monorepo.

    python3 bench/make_corpus.py OUT [--copies N] [--generated M]

OUT gets N distinct copies of the CPython standard library of this machine (each file gets a
one-line header naming its copy, so no two copies are byte-identical), a `backup/` folder holding
byte-identical copies of all of them (about half the files of a real monorepo we measured were
such copies), and M generated modules with planted single-source-of-truth violations: duplicate
manager classes, repeated string constants, event names typed as literals, `os.environ` reads,
relative imports and tests using mock names without importing them. Nothing is downloaded.
"""
import argparse
import os
import shutil
import sys
import sysconfig


def copy_stdlib(stdlib, dest, header):
    count = 0
    for dirpath, dirnames, filenames in os.walk(stdlib):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__") and not d.startswith("."))
        rel = os.path.relpath(dirpath, stdlib)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            src = os.path.join(dirpath, name)
            out_dir = os.path.join(dest, rel)
            os.makedirs(out_dir, exist_ok=True)
            with open(src, "rb") as f:
                data = f.read()
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(header + data)
            count += 1
    return count


def generated(index):
    service = "service_%d" % (index % 7)
    return (
        "import os\n"
        "from . import helpers\n"
        "from ..shared import events\n\n"
        "AGENT_STARTED = \"agent_started\"\n"
        "TIMEOUT_MESSAGE = \"request timed out after %d seconds\"\n\n\n"
        "class WebSocketManager%s:\n"
        "    def connect(self):\n"
        "        return os.environ.get(\"WS_URL\"), \"tool_executing\"\n\n\n"
        "class _UnifiedSessionManagerImplementation:\n"
        "    pass\n\n\n"
        "def test_handler():\n"
        "    client = MagicMock()\n"
        "    with patch(\"%s.send\"):\n"
        "        return MagicNone(client)\n"
    ) % (index % 10, "" if index % 3 else "Impl", service)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--generated", type=int, default=1000)
    args = parser.parse_args()
    stdlib = sysconfig.get_paths()["stdlib"]
    if os.path.exists(args.out):
        sys.exit("%s exists; remove it first" % args.out)
    total = 0
    for copy in range(args.copies):
        header = ("# benchmark corpus: copy %d\n" % copy).encode()
        total += copy_stdlib(stdlib, os.path.join(args.out, "src", "copy%d" % copy), header)
    gen_dir = os.path.join(args.out, "src", "generated")
    os.makedirs(gen_dir)
    for i in range(args.generated):
        with open(os.path.join(gen_dir, "module_%04d.py" % i), "w") as f:
            f.write(generated(i))
    total += args.generated
    shutil.copytree(os.path.join(args.out, "src"), os.path.join(args.out, "backup", "src"))
    total *= 2
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(args.out) for n in ns)
    print("%s: %d Python files, %.0f MB" % (args.out, total, size / 1e6))


if __name__ == "__main__":
    main()
