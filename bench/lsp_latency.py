#!/usr/bin/env python3
"""Latency of `ssot server` on a real tree: the time from a `didChange` to the matching
`publishDiagnostics`, and the initial load.

Usage: lsp_latency.py SSOT_BINARY PROJECT_DIR FILE [--edits N] [--edit comment|call|middle|binding]

Starts the server on PROJECT_DIR (a workspace folder), opens FILE (relative to the project), and
times: the load (initialize sent → the file's first diagnostics), then N edits that each add or
remove a line at the end of the buffer — a comment (`--edit comment`, the default: what typing
at the end of a file changes for the project rules: nothing), a call with a string (`call`), the
comment half-way down the file (`middle`: every place after it shifts, so the rules that record
places in this file run their pass again), or a module-level binding (`binding`: the module's
names change, so the import rules run their pass again)
— each timed from the moment the `didChange` is written to the moment the answer to a hover
request sent right after it is read (the server answers a request only after the edits before it
were analysed and their diagnostics published). Prints the median and p95 in milliseconds.
Plain JSON-RPC over pipes: no client library."""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def send(proc, message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def read(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server closed its output")
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def wait_for(proc, predicate):
    while True:
        message = read(proc)
        if predicate(message):
            return message


def main():
    binary, root, file = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3]
    edits = int(sys.argv[sys.argv.index("--edits") + 1]) if "--edits" in sys.argv else 50
    kind = sys.argv[sys.argv.index("--edit") + 1] if "--edit" in sys.argv else "comment"
    line = {"comment": "# ssot bench\n", "binding": "SSOT_BENCH = 1\n", "call": "print(\"ssot bench value\")\n",
            "middle": "# ssot bench\n"}[kind]
    path = root / file
    uri = path.as_uri()
    text = path.read_text()
    proc = subprocess.Popen([binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    started = time.perf_counter()
    send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": root.as_uri(), "capabilities": {},
        "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}]}})
    wait_for(proc, lambda m: m.get("id") == 1)
    send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
    published = lambda version: lambda m: (
        m.get("method") == "textDocument/publishDiagnostics"
        and m["params"]["uri"] == uri and m["params"].get("version") == version)
    wait_for(proc, published(1))
    load = (time.perf_counter() - started) * 1000
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    # `middle`: the comment goes half-way down, shifting everything after it.
    at = lines // 2 if kind == "middle" else lines
    timings = []
    for n in range(edits):
        version = n + 2
        if n % 2 == 0:
            change = {"range": {"start": {"line": at, "character": 0}, "end": {"line": at, "character": 0}},
                      "text": line}
        else:
            change = {"range": {"start": {"line": at, "character": 0}, "end": {"line": at + 1, "character": 0}},
                      "text": ""}
        begin = time.perf_counter()
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        send(proc, {"jsonrpc": "2.0", "id": 100 + n, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}})
        wait_for(proc, lambda m, n=n: m.get("id") == 100 + n)
        timings.append((time.perf_counter() - begin) * 1000)
    send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    wait_for(proc, lambda m: m.get("id") == 2)
    send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
    proc.wait(timeout=30)
    timings.sort()
    p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
    print(f"load (initialize → first diagnostics): {load:.0f} ms")
    print(f"didChange ({kind}) → analysed over {edits} edits: median {statistics.median(timings):.1f} ms, "
          f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
