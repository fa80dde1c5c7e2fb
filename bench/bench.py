#!/usr/bin/env python3
"""Times ssot against peers on a corpus, alternating runs, and prints medians and ratios.

    python3 bench/bench.py CORPUS [--runs N] [--config FILE] [--ssot PATH] [--ruff PATH] [--ast-grep PATH]

Each command runs N times, interleaved (ssot, ruff, ssot, ruff, ...) so machine drift hits all
of them alike, under `/usr/bin/time -f "%e %M"` for wall seconds and peak memory. Printed per
command: median, min and max wall time, median peak RSS; then the ssot/peer ratio of medians and
the median of the pairwise ratios. ruff runs with bench/ruff.toml (the three rules comparable to
ssot's defaults), cold with `--no-cache` and warm with its cache primed. ast-grep runs when it is
on PATH (or given), with bench/sgconfig.yml if present. ssot runs cold (`--no-cache`) and warm (its
result cache primed), with `--config FILE` when given (bench/every-rule.toml configures every
rule, as a team would). Nothing here is timed inside a test.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd):
    with tempfile.NamedTemporaryFile("r") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", out.name, "-f", "%e %M"] + cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        fields = out.read().split()
    # /usr/bin/time prints "Command exited with non-zero status N" first when it fails.
    wall, rss = float(fields[-2]), int(fields[-1])
    return wall, rss, proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--config", help="ssot's configuration (e.g. bench/every-rule.toml)")
    parser.add_argument("--ssot", default=os.path.join(HERE, "..", "target", "release", "ssot"))
    parser.add_argument("--ruff", default=shutil.which("ruff"))
    parser.add_argument("--ast-grep", dest="ast_grep", default=shutil.which("ast-grep") or shutil.which("sg"))
    args = parser.parse_args()
    if not os.path.exists(args.ssot):
        sys.exit("build ssot first: cargo build --release")
    ssot_config = ["--config", os.path.abspath(args.config)] if args.config else []
    commands = {
        "ssot cold": [args.ssot, "check", args.corpus, "--format", "json", "--exit-zero", "--no-cache"] + ssot_config,
        "ssot warm": [args.ssot, "check", args.corpus, "--format", "json", "--exit-zero"] + ssot_config,
    }
    # Prime ssot's cache. A first run may create the cache directory (a change to the scanned root)
    # and stamps count once they are two seconds old, so a second run records the settled tree.
    timed(commands["ssot warm"])
    time.sleep(2.1)
    timed(commands["ssot warm"])
    if args.ruff:
        config = os.path.join(HERE, "ruff.toml")
        # ruff's cache goes to a scratch directory, not into the working tree.
        cache_dir = tempfile.mkdtemp(prefix="ruff-cache-")
        commands["ruff cold"] = [args.ruff, "check", "--no-cache", "--config", config, "--exit-zero", "-q", args.corpus]
        commands["ruff warm"] = [
            args.ruff, "check", "--cache-dir", cache_dir, "--config", config, "--exit-zero", "-q", args.corpus]
        timed(commands["ruff warm"])  # prime ruff's cache
    else:
        print("note: ruff not found (pip install ruff); timing ssot alone")
    if args.ast_grep:
        sg_config = os.path.join(HERE, "sgconfig.yml")
        if os.path.exists(sg_config):
            commands["ast-grep"] = [args.ast_grep, "scan", "--config", sg_config, args.corpus]
    results = {name: [] for name in commands}
    for run in range(args.runs):
        for name, cmd in commands.items():
            results[name].append(timed(cmd))
            print("run %d %-10s %6.2f s %7.0f MB" % (run + 1, name, results[name][-1][0], results[name][-1][1] / 1024), file=sys.stderr)
    print("| command | median s | min s | max s | median peak MB |")
    print("| --- | --- | --- | --- | --- |")
    for name, rows in results.items():
        walls = [w for w, _, _ in rows]
        print("| %s | %.2f | %.2f | %.2f | %.0f |" % (
            name, statistics.median(walls), min(walls), max(walls), statistics.median(r for _, r, _ in rows) / 1024))
    base = [w for w, _, _ in results["ssot cold"]]
    for name, rows in results.items():
        if name == "ssot cold":
            continue
        peer = [w for w, _, _ in rows]
        pairwise = statistics.median(a / b for a, b in zip(base, peer))
        print("ssot cold / %s: %.2f (ratio of medians), %.2f (median of pairwise ratios)" % (
            name, statistics.median(base) / statistics.median(peer), pairwise))
    if "ssot warm" in results:
        warm = [w for w, _, _ in results["ssot warm"]]
        print("ssot warm / ssot cold: %.3f (ratio of medians), %.3f (median of pairwise ratios)" % (
            statistics.median(warm) / statistics.median(base), statistics.median(w / c for w, c in zip(warm, base))))


if __name__ == "__main__":
    main()
