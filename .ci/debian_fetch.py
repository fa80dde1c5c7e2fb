#!/usr/bin/env python3
"""Fetches Debian packages of a newer suite than the machine's and unpacks them into a folder,
for the editor tests: a newer editor runs from there with the suite's own C library (through its
dynamic loader), without touching the machine's packages.

Usage: debian_fetch.py SUITE DEST PACKAGE...

Reads the suite's package index (main, amd64) from deb.debian.org, takes each package named and
what it depends on (`Depends` and `Pre-Depends`, recursively; the first alternative the suite
has; versions not compared: the suite's own are taken), downloads each, checks its SHA-256
against the index and unpacks it into DEST with `dpkg-deb -x`. Exits non-zero, saying why, when a
package is missing or a download fails."""

import hashlib
import lzma
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def index(suite):
    """Package name -> (pool path, sha256, names it depends on: a list of alternatives each) from
    the suite's index."""
    text = lzma.decompress(fetch(f"{MIRROR}/dists/{suite}/main/binary-amd64/Packages.xz")).decode()
    found = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Package" in fields and "Filename" in fields:
            depends = []
            for field in ("Pre-Depends", "Depends"):
                for clause in filter(None, (c.strip() for c in fields.get(field, "").split(","))):
                    depends.append([alt.split("(")[0].split(":")[0].strip() for alt in clause.split("|")])
            found.setdefault(fields["Package"], (fields["Filename"], fields.get("SHA256", ""), depends))
    return found


def closure(known, packages):
    """The packages named and everything they depend on, in a stable order."""
    taken, queue = [], list(packages)
    while queue:
        package = queue.pop(0)
        if package in taken:
            continue
        taken.append(package)
        for alternatives in known[package][2]:
            chosen = next((alt for alt in alternatives if alt in known), None)
            if chosen is None:
                sys.exit(f"{package} depends on {' | '.join(alternatives)}, which the suite lacks")
            queue.append(chosen)
    return taken


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    suite, dest, packages = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    known = index(suite)
    missing = [p for p in packages if p not in known]
    if missing:
        sys.exit(f"not in {suite}: {', '.join(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for package in closure(known, packages):
            pool, sha256, _ = known[package]
            data = fetch(f"{MIRROR}/{pool}")
            if hashlib.sha256(data).hexdigest() != sha256:
                sys.exit(f"{package}: the download does not match the index's SHA-256")
            deb = Path(scratch) / Path(pool).name
            deb.write_bytes(data)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)


if __name__ == "__main__":
    main()
