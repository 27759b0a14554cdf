"""What the CLI adds around one file, in the editor too: the revision graph (DG1xx), DG401 in
data scripts, and since-revision selection."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .conftest import Project, migration
from .harness import Session, start_session, stop_session, uri

CLEAN = '    op.create_table("t")'


async def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_missing_parent_in_open_document_and_scan(project: Project) -> None:
    project.add("a1_m.py", "a1", None, body=CLEAN)
    orphan = project.add("b2_m.py", "b2", "zz", body=CLEAN)
    session = await start_session(project.root)
    try:
        ou = uri(orphan)
        await _wait_for(lambda: "DG102" in [d.code for d in session.client.diagnostics.get(ou, [])])
        u = session.open(orphan)
        # the file's own findings come first; the graph's follow for the same version
        await _wait_for(
            lambda: any(
                p.version == 1 and any(d.code == "DG102" for d in p.diagnostics)
                for p in session.published_for(u)
            )
        )
        [d] = [d for d in await session.diagnostics(u, version=1) if d.code == "DG102"]
        assert "zz" in d.message
        fixed = session.change(u, migration("b2", "a1", CLEAN))
        assert await session.diagnostics(u, version=fixed) == []
    finally:
        await stop_session(session)


async def test_ddl_in_an_open_data_script(session: Session, project: Project) -> None:
    scripts = project.backend / "scripts" / "sql"
    scripts.mkdir(parents=True)
    script = scripts / "2025-01-01-backfill.sql"
    script.write_text("BEGIN;\nUPDATE users SET a = 1;\nCOMMIT;\n")
    su = uri(script)
    u = session.open(script)
    assert await session.diagnostics(u, version=1) == []
    v = session.change(u, "BEGIN;\nALTER TABLE users ADD COLUMN b int;\nCOMMIT;\n")
    [d] = await session.diagnostics(u, version=v)
    assert d.code == "DG401" and d.range.start == types.Position(1, 0)
    assert su == u


async def test_ddl_in_data_scripts_is_found_by_the_scan(project: Project) -> None:
    scripts = project.backend / "scripts" / "sql"
    scripts.mkdir(parents=True)
    script = scripts / "2025-01-01-bad.sql"
    script.write_text("DROP TABLE users;\n")
    s = await start_session(project.root)
    try:
        await _wait_for(
            lambda: [d.code for d in s.client.diagnostics.get(uri(script), [])] == ["DG401"]
        )
    finally:
        await stop_session(s)


async def test_since_revision_from_editor_settings(project: Project) -> None:
    old = project.add_after_base("a1_m.py", "a1", body="    pass")
    new = project.add("b2_m.py", "b2", "a1", body="    pass")
    s = await start_session(
        project.root, init_options={"sinceRevision": "a1", "openFilesOnly": True}
    )
    try:
        assert (
            await s.diagnostics(s.open(old), version=1) == [] if s.published_for(uri(old)) else True
        )
        [d] = await s.diagnostics(s.open(new), version=1)
        assert d.code == "DG202"
        await s.settle(0.3)
        assert all(not p.diagnostics for p in s.published_for(uri(old)))
    finally:
        await stop_session(s)


async def test_pull_report_includes_graph_findings(project: Project) -> None:
    from .harness import capabilities

    project.add("a1_m.py", "a1", None, body=CLEAN)
    orphan = project.add("b2_m.py", "b2", "zz", body=CLEAN)
    s = await start_session(
        project.root, capabilities(pull=True), init_options={"openFilesOnly": True}
    )
    try:
        u = s.open(orphan)
        report = await s.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(u))
        )
        assert "DG102" in [d.code for d in report.items]
    finally:
        await stop_session(s)


async def test_graph_is_built_once_while_the_header_is_unchanged(project: Project) -> None:
    """Typing in the body reuses the revision graph (every sibling's header read once); a
    changed `down_revision` builds it again. Counted by the server's debug log."""
    project.add("a1_m.py", "a1", None, body=CLEAN)
    orphan = project.add("b2_m.py", "b2", "zz", body=CLEAN)
    s = await start_session(project.root, init_options={"openFilesOnly": True, "logLevel": "debug"})

    def builds() -> int:
        return sum("revision graph built for b2_m.py" in m.message for m in s.client.log_messages)

    try:
        u = s.open(orphan)
        await _wait_for(
            lambda: any(
                p.version == 1 and any(d.code == "DG102" for d in p.diagnostics)
                for p in s.published_for(u)
            )
        )
        await s.settle(0.5)
        built = builds()
        assert built >= 1
        first = sorted(d.code for d in await s.diagnostics(u, version=1))
        assert "DG102" in first
        for n in range(3):
            v = s.change(u, migration("b2", "zz", f"    op.create_table('t{n}')"))
            codes = sorted(d.code for d in await s.diagnostics(u, version=v))
            # the memoised graph's findings are in the version's first and only report
            assert codes == first, codes
            assert len([p for p in s.published_for(u) if p.version == v]) == 1
        assert builds() == built
        v = s.change(u, migration("b2", "a1", CLEAN))
        await _wait_for(lambda: builds() == built + 1)
        await s.settle(0.3)
        assert "DG102" not in [d.code for d in await s.diagnostics(u, version=v)]
    finally:
        await stop_session(s)


async def test_saving_an_unchanged_header_keeps_the_graphs(project: Project) -> None:
    """Autosave while typing in the body: the first save rebuilds the graph (the header on disk
    is not known yet), the next ones do not; a save with a new down_revision does."""
    project.add("a1_m.py", "a1", None, body=CLEAN)
    orphan = project.add("b2_m.py", "b2", "zz", body=CLEAN)
    s = await start_session(project.root, init_options={"openFilesOnly": True, "logLevel": "debug"})

    def builds() -> int:
        return sum("revision graph built for b2_m.py" in m.message for m in s.client.log_messages)

    def save(u: str, text: str) -> int:
        v = s.change(u, text)
        orphan.write_text(text)
        s.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u))
        )
        return v

    try:
        u = s.open(orphan)
        await _wait_for(lambda: builds() >= 1)
        await s.settle(0.5)
        built = builds()
        for n in range(4):
            v = save(u, migration("b2", "zz", f"    op.create_table('t{n}')"))
            await s.diagnostics(u, version=v)
            await s.settle(0.3)
            if n == 0:  # the first save: the header on disk was not known
                assert builds() == built + 1
        assert builds() == built + 1
        v = save(u, migration("b2", "a1", CLEAN))  # a new down_revision: built again
        await s.diagnostics(u, version=v)
        await s.settle(0.3)
        assert builds() >= built + 2
    finally:
        await stop_session(s)
