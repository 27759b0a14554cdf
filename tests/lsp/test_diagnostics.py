"""Diagnostics of open documents: versions, bursts, syntax errors, close, exact UTF-16 ranges."""

from __future__ import annotations

from lsprotocol import types

from .conftest import Project, migration
from .harness import Session

EMPTY = "    pass"


async def test_diagnostic_fields(session: Session, project: Project) -> None:
    path = project.add_after_base("a1_init.py", "a1", body=EMPTY)
    u = session.open(path)
    [d] = await session.diagnostics(u, version=1)
    assert d.code == "DG202" and d.source == "ddlguard"
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.code_description is not None and d.code_description.href.endswith("/DG202.md")
    assert "upgrade()" in d.message
    assert d.data["code"] == "DG202" and d.data["version"] == 1 and d.data["fix"] is None
    line = migration("a1", "a0", EMPTY).splitlines().index("def upgrade():")
    assert d.range == types.Range(types.Position(line, 0), types.Position(line, len("def upgrade")))


async def test_burst_of_changes_publishes_only_the_latest_version(
    session: Session, project: Project
) -> None:
    path = project.add_after_base("a1_init.py", "a1", body=EMPTY)
    u = session.open(path)
    await session.diagnostics(u, version=1)
    clean = migration("a1", "a0", '    op.create_table("t")')
    for _ in range(20):  # alternate: a stale version would publish a DG202
        session.change(u, migration("a1", "a0", EMPTY))
        last = session.change(u, clean)
    assert await session.diagnostics(u, version=last) == []
    await session.settle()
    versions = [p.version for p in session.published_for(u)]
    assert versions == sorted(versions), versions  # never an older version after a newer one
    assert versions[-1] == last
    assert len(versions) < 10, "a burst of 40 changes should be coalesced"


async def test_syntax_error_keeps_last_good_findings(session: Session, project: Project) -> None:
    path = project.add_after_base("a1_init.py", "a1", body=EMPTY)
    u = session.open(path)
    good = await session.diagnostics(u, version=1)
    v = session.change(u, migration("a1", "a0", EMPTY) + "\ndef broken(:\n")
    await session.settle()
    assert all(p.version != v for p in session.published_for(u)), (
        "nothing published for a broken version"
    )
    assert list(session.client.diagnostics[u]) == good
    assert not any(str(d.code) == "DG000" for p in session.published_for(u) for d in p.diagnostics)
    fixed = session.change(u, migration("a1", "a0", '    op.create_table("t")'))
    assert await session.diagnostics(u, version=fixed) == []


async def test_close_clears(project: Project) -> None:
    from .harness import start_session, stop_session

    s = await start_session(project.root, init_options={"openFilesOnly": True})
    try:
        path = project.add_after_base("a1_init.py", "a1", body=EMPTY)
        u = s.open(path)
        assert await s.diagnostics(u, version=1)
        s.close(u)
        await s.settle()
        assert list(s.published_for(u)[-1].diagnostics) == []
    finally:
        await stop_session(s)


async def test_non_migration_python_file_gets_nothing(session: Session, project: Project) -> None:
    path = project.backend / "app.py"
    path.write_text("def upgrade():\n    pass\n")
    u = session.open(path)
    await session.settle()
    assert all(not p.diagnostics for p in session.published_for(u))


async def test_server_survives_garbage(session: Session, project: Project) -> None:
    path = project.versions / "x.py"
    path.write_text("")
    u = session.open(path, "\x00\udcff" + "(" * 5000 + "\n" * 3)
    v = session.change(u, "def upgrade(:\n" * 1000)
    v = session.change(u, "x = " + "-" * 200_000 + "1\n")  # deep nesting
    v = session.change(u, "x = " + "[" * 90 + "]" * 90 + "\n" + "# " + "é" * 3_000_000 + "\n")
    v = session.change(u, migration("a1", "a0", EMPTY))
    await session.diagnostics(u, version=v)
    # the file's own findings come first; the graph's report (DG102: no a0) may follow it
    first = next(p for p in session.published_for(u) if p.version == v)
    assert [d.code for d in first.diagnostics] == ["DG202"]
