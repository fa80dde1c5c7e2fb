#!/usr/bin/env python3
"""The language server against `ssot check` on a real tree: every finding `workspace/diagnostic`
reports (a pulling client) must be one `ssot check` reports, and the other way round (path,
rule, line, message). Usage: lsp_vs_check.py SSOT_BINARY PROJECT_DIR [FILE]: with FILE, the
buffer of FILE is opened, edited three times (a comment half-way down, an import at the top, a
module-level string) and put back to the text on disk before the comparison, so the
incremental passes of those edits are compared too."""

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import send, read, wait_for
binary, root = sys.argv[1], Path(sys.argv[2]).resolve()
edit_file = sys.argv[3] if len(sys.argv) > 3 else None
proc = subprocess.Popen([binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": root.as_uri(),
      "capabilities": {"textDocument": {"diagnostic": {}}, "general": {"positionEncodings": ["utf-8"]}},
      "workspaceFolders": [{"uri": root.as_uri(), "name": "x"}]}})
wait_for(proc, lambda m: m.get("id") == 1)
send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
if edit_file:
    uri = (root / edit_file).as_uri(); text = (root / edit_file).read_text()
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
    n = len(text.splitlines())
    for v, (line, new) in enumerate([(n // 2, "# x\n"), (1, "import os\n"), (n // 3, "Z = 'shared'\n")]):
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": v + 2},
             "contentChanges": [{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": new}]}})
        send(proc, {"jsonrpc": "2.0", "id": 50 + v, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}})
        wait_for(proc, lambda m, v=v: m.get("id") == 50 + v)
    # back to the text on disk
    send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 9}, "contentChanges": [{"text": text}]}})
send(proc, {"jsonrpc": "2.0", "id": 2, "method": "workspace/diagnostic", "params": {"previousResultIds": []}})
report = wait_for(proc, lambda m: m.get("id") == 2)["result"]
send(proc, {"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None}); wait_for(proc, lambda m: m.get("id") == 3)
send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None}); proc.wait()
lsp = set()
for item in report["items"]:
    path = item["uri"][len(root.as_uri()) + 1:]
    for d in item["items"]:
        lsp.add((path, d["code"], d["range"]["start"]["line"] + 1, d["message"]))
out = subprocess.run([binary, "check", ".", "--output-format", "json"], cwd=root, capture_output=True, text=True).stdout
cli = set((d["path"], d["rule"], d["line"], d["message"]) for d in json.loads(out)["diagnostics"])
lsp = set((urllib.parse.unquote(p), c, l, m) for p, c, l, m in lsp)
print("cli", len(cli), "lsp", len(lsp), "only cli", len(cli - lsp), "only lsp", len(lsp - cli))
for x in sorted(cli - lsp)[:5]: print(" cli:", x)
for x in sorted(lsp - cli)[:5]: print(" lsp:", x)
