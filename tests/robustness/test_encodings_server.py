"""The language server over stdio agrees with the CLI on a file Python reads otherwise."""

from __future__ import annotations

from pathlib import Path

from tests.lsp.harness import start_session, stop_session

from .test_encodings import UTF7_ATTACK


async def test_the_server_reports_the_delete_a_utf7_comment_hides(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    versions = backend / "alembic" / "versions"
    versions.mkdir(parents=True)
    (backend / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n")
    (tmp_path / ".git").mkdir()
    path = versions / "0001_add.py"
    path.write_bytes(UTF7_ATTACK)
    session = await start_session(tmp_path)
    try:
        u = session.open(path, UTF7_ATTACK.decode("ascii"))  # as VS Code shows it
        found = [d for d in await session.diagnostics(u, version=1) if d.code == "DG001"]
        assert len(found) == 1, found
        rng = found[0].range
        line = UTF7_ATTACK.decode("ascii").splitlines()[rng.start.line]
        assert line[rng.start.character : rng.end.character] == 'op.execute("DELETE FROM users")'
        assert found[0].data["fix"] is None or found[0].data["fix"]["applicability"] == "none"
    finally:
        await stop_session(session)
