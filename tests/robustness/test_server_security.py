"""The server on a hostile project: it runs none of the project's code, opens no network
connection, and writes no file the client did not ask for, even when code actions are listed
and resolved (never applied)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lsprotocol import types

from .lsp_client import start_editor, stop_editor
from .test_security import SOCKET_GUARD, _markers, hostile_project


def snapshot(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under `root`: kind, size and content hash (mtime-free, so reads are fine)."""
    out: dict[str, tuple[str, int, str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root)] = ("dir", 0, "")
        for name in files:
            path = Path(folder, name)
            data = path.read_bytes()
            out[str(path.relative_to(root))] = ("file", len(data), hashlib.sha256(data).hexdigest())
    return out


async def test_a_session_runs_no_project_code_and_writes_nothing(tmp_path: Path) -> None:
    root, markers = tmp_path / "proj", tmp_path / "markers"
    versions = hostile_project(root, markers)
    (root / ".git").mkdir()
    guard = tmp_path / "guard"  # every connect and name lookup is refused and recorded
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD.format(dir=str(guard)), "utf-8")
    before = snapshot(root)
    # as VS Code does: cwd is the workspace
    editor = await start_editor(root, cwd=root, pythonpath=(guard,))
    try:
        migration = versions / "0001_backfill.py"
        u = editor.open(migration, migration.read_text("utf-8"))
        assert await editor.wait_for(lambda: bool(editor.last_publish(u)), 30)
        diagnostics = list(editor.last_publish(u).diagnostics)  # type: ignore[union-attr]
        assert any(d.code == "DG001" for d in diagnostics), diagnostics
        actions = await editor.code_actions(u, diagnostics)
        moves = [a for a in actions if isinstance(a, types.CodeAction) and a.edit is not None]
        assert moves, "no resolved code action to check"
        creates = [
            c for a in moves for c in (a.edit.document_changes or [])  # type: ignore[union-attr]
            if isinstance(c, types.CreateFile)
        ]  # fmt: skip
        assert creates, "the move offers no script: nothing was at stake"
        for create in creates:  # what the edit *would* create is not on disk
            assert not Path(create.uri.removeprefix("file://")).exists()
        assert await editor.hover_time(u, 9, 10) < 5.0
        editor.change(u, migration.read_text("utf-8") + "\n# typing\n")
        editor.close(u)
    finally:
        await stop_editor(editor)
    assert snapshot(root) == before
    assert _markers(markers) == []
    assert editor.server_requests == []  # it never asked the client to apply an edit either
    assert not (guard / "NETWORK").exists()
