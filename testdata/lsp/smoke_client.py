"""A real LSP client (pygls) against `ssot server` over stdio: the smoke test of
tests/server_stdio.rs. Usage: smoke_client.py SSOT_BINARY PROJECT_DIR.

Opens `a.py` (a manager class) and `b.py` (none), types a second manager class into `b.py`
unsaved, and expects the duplicate in both files; asks for the quick fixes of `b.py`'s finding
and applies the suppression; then shuts the server down. Prints one line per step and exits
non-zero on the first failure."""

import asyncio
import sys
from pathlib import Path

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

MANAGER = "class WebSocketManager:\n    pass\n"


async def main(binary: str, root: Path) -> None:
    client = LanguageClient("ssot-smoke", "1")
    published: dict[str, list[t.Diagnostic]] = {}
    changed = asyncio.Event()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: t.PublishDiagnosticsParams) -> None:
        published[params.uri] = params.diagnostics
        changed.set()

    async def until(condition, what: str) -> None:
        deadline = asyncio.get_running_loop().time() + 60
        while not condition():
            changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise SystemExit(f"timed out waiting for {what}: {published}")
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    await client.start_io(binary, "server")
    result = await client.initialize_async(
        t.InitializeParams(
            capabilities=t.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name="project")],
        )
    )
    print("initialized:", result.server_info.name, result.capabilities.position_encoding)
    client.initialized(t.InitializedParams())
    a, b = (root / "a.py").as_uri(), (root / "b.py").as_uri()
    client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(a, "python", 1, MANAGER)))
    client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(b, "python", 1, "X = 1\n")))
    await until(lambda: a in published and b in published, "the first diagnostics")
    assert not published[a] and not published[b], published
    print("opened: no findings")

    edit = t.TextDocumentContentChangePartial(
        range=t.Range(t.Position(1, 0), t.Position(1, 0)), text=MANAGER
    )
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(t.VersionedTextDocumentIdentifier(version=2, uri=b), [edit])
    )
    await until(lambda: len(published[a]) == 1 and len(published[b]) == 1, "the duplicate in both files")
    found = published[b][0]
    assert found.code == "duplicate-manager-class", found
    assert (found.range.start.line, found.range.start.character) == (1, 6), found.range
    print("unsaved duplicate: flagged in both files")

    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            t.TextDocumentIdentifier(b), found.range, t.CodeActionContext(diagnostics=[found])
        )
    )
    suppress = next(a for a in actions if a.title.startswith("Suppress"))
    (change,) = suppress.edit.changes[b]
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(version=3, uri=b),
            [t.TextDocumentContentChangePartial(range=change.range, text=change.new_text)],
        )
    )
    await until(lambda: not published[b], "the suppressed finding to go")
    print("quick fix applied: suppressed")

    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    print("shut down")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]).resolve()))
