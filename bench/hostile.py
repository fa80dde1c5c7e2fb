#!/usr/bin/env python3
"""Times ssot on hostile files at two sizes, to show each scales linearly.

Each case but one is one generated file: many findings on one line (ASCII and not), and tens of
thousands of suppression comments of each kind (per-line, file-wide, unused, naming unknown
rules, one directive naming a rule many times), a `mocker` repeated in one statement (every
file is a test suite of `mock-in-real-test`'s), and unclosed named escapes `\\N{` (an event name
is configured, so the event-name byte test decodes them); two cases are a package whose modules
form one import cycle (alone, and under an indirect contract). Every case runs at N and 4 N; a linear scan
takes about 4 times as long at 4 N, a quadratic one 16 times.

Usage: python3 bench/hostile.py [--ssot target/release/ssot] [--runs 5] [--out /tmp/hostile]
"""

import argparse
import os
import random
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (N, text of a file of size n)
CASES = {
    "findings on one line": (25_000, lambda n: "import os\ny = " + " + ".join(["os.getenv('A')"] * n) + "\n"),
    "findings on one non-ASCII line": (
        25_000,
        lambda n: "import os\ny = 'é' + " + " + ".join(["os.getenv('A')"] * n) + "\n",
    ),
    "per-line suppressions": (
        50_000,
        lambda n: "import os\n" + "".join(f"x{i} = os.getenv('A')  # ssot: ignore[direct-env-access]\n" for i in range(n)),
    ),
    "file-wide suppressions": (
        50_000,
        lambda n: "import os\n" + "# ssot: ignore-file[direct-env-access]\n" * n + "x = os.getenv('A')\n",
    ),
    "unused suppressions": (
        50_000,
        lambda n: "import os\n" + "".join(f"x{i} = 1  # ssot: ignore[direct-env-access]\n" for i in range(n)),
    ),
    "suppressions of unknown rules": (
        50_000,
        lambda n: "import os\n" + "".join(f"x{i} = 1  # ssot: ignore[no-such-rule]\n" for i in range(n)),
    ),
    "file-wide, unused and unknown": (
        50_000,
        lambda n: "import os\n" + "# ssot: ignore-file[direct-env-access, no-such]\n" * n,
    ),
    "mocker parameters of one def": (
        50_000,
        lambda n: "def test_it(" + ", ".join(["mocker"] * n) + "):\n    pass\n",
    ),
    "mocker uses on one line": (50_000, lambda n: "x = [" + ", ".join(["mocker"] * n) + "]\n"),
    "unclosed named escapes": (250_000, lambda n: "x = 'GET'\n# " + "\\N{" * n + "\n"),
    # Not one file: a package of n modules, each importing 30 others at random (one import cycle
    # through all of them, 30 n statements on it).
    "one import cycle through n modules": (750, lambda n: cycle_package(n)),
    # The same package under an indirect contract: every module is searched from.
    "an indirect contract over n modules": (750, lambda n: {**cycle_package(n), "ssot.toml": CONTRACT}),
    "one directive naming a rule many times": (
        50_000,
        lambda n: "import os\nx = os.environ  # ssot: ignore[" + ", ".join(["direct-env-access"] * n) + "]\n",
    ),
}


# Appended to the cases' ssot.toml: half the package may not reach the other half.
CONTRACT = """
[[rules.import-contract.contracts]]
name = "low and high"
type = "layers"
layers = ["p.m1", "p.m2", "p.m3", "p.m4", "p.m5", "p.m6", "p.m7", "p.m8", "p.m9"]
indirect = true
"""


def cycle_package(n):
    """{path: text} of a package `p` of n modules, each importing 30 of them at random."""
    rng = random.Random(n)
    files = {"p/__init__.py": ""}
    for i in range(n):
        files[f"p/m{i}.py"] = "".join(f"import p.m{rng.randrange(n)}\n" for _ in range(30))
    return files


def timed(cmd):
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ssot", default=os.path.join(HERE, "..", "target", "release", "ssot"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default="/tmp/ssot-hostile")
    parser.add_argument("--format", default="json")
    parser.add_argument("--only-n", action="store_true", help="skip 4 N (for a quadratic build)")
    args = parser.parse_args()
    print("| case | N | median s at N | median s at 4 N | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for index, (name, (n, text)) in enumerate(CASES.items()):
        medians = []
        for size in (n,) if args.only_n else (n, 4 * n):
            folder = os.path.join(args.out, f"case{index}_{size}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "ssot.toml"), "w") as f:
                f.write(
                    "[scan]\nmax-file-size = 1000000000\n\n[rules.mock-in-real-test]\npaths = [\"**\"]\n"
                    "\n[rules.scattered-event-literal]\nevents = [\"GET\"]\n"
                )
            files = text(size)
            for path, body in (files if isinstance(files, dict) else {"hostile.py": files}).items():
                os.makedirs(os.path.dirname(os.path.join(folder, path)), exist_ok=True)
                with open(os.path.join(folder, path), "a" if path == "ssot.toml" else "w") as f:
                    f.write(body)
            cmd = [args.ssot, "check", folder, "--no-cache", "--format", args.format]
            medians.append(statistics.median(timed(cmd) for _ in range(args.runs)))
        if args.only_n:
            print(f"| {name} | {n:,} | {medians[0]:.2f} | | |")
        else:
            print(f"| {name} | {n:,} | {medians[0]:.2f} | {medians[1]:.2f} | {medians[1] / medians[0]:.1f} |")


if __name__ == "__main__":
    main()
