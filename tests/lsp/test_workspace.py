"""Workspace scan with progress, openFilesOnly, watched files, settings and pull diagnostics."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .conftest import Project, migration
from .harness import Session, capabilities, start_session, stop_session, uri

EMPTY = "    pass"


async def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_scan_publishes_closed_files_with_progress(project: Project) -> None:
    for i in range(40):
        project.add(
            f"r{i:03}_m.py",
            f"r{i:03}",
            f"r{i - 1:03}" if i else None,
            body=EMPTY if i % 2 else '    op.create_table("t")',
        )
    s = await start_session(project.root)
    try:
        empty = [uri(project.versions / f"r{i:03}_m.py") for i in range(1, 40, 2)]
        await _wait_for(lambda: all(s.client.diagnostics.get(u) for u in empty))
        assert all([d.code for d in s.client.diagnostics[u]] == ["DG202"] for u in empty)
        await _wait_for(
            lambda: any(
                r and isinstance(r[-1], types.WorkDoneProgressEnd)
                for r in s.client.progress_reports.values()
            )
        )
        [reports] = s.client.progress_reports.values()
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert any(isinstance(r, types.WorkDoneProgressReport) for r in reports)
        # requests are answered while (and after) scanning
        hover = await s.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(empty[0]), types.Position(0, 0))
        )
        assert hover is None
    finally:
        await stop_session(s)


async def test_open_files_only_turns_the_scan_off(project: Project) -> None:
    path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    s = await start_session(project.root, init_options={"openFilesOnly": True})
    try:
        await s.settle(0.5)
        assert uri(path) not in s.client.diagnostics
        u = s.open(path)
        assert await s.diagnostics(u, version=1)
    finally:
        await stop_session(s)


async def test_watched_migration_change_is_reanalysed(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body='    op.create_table("t")')
    u = uri(path)
    await _wait_for(lambda: bool(session.recorder.registrations))
    watchers = session.recorder.registrations[0].registrations[0].register_options
    globs = [w["globPattern"] for w in watchers["watchers"]]
    assert "**/alembic.ini" in globs and "**/*.py" in globs
    path.write_text(migration("a1", "a0", EMPTY))
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(u, types.FileChangeType.Changed)])
    )
    await _wait_for(lambda: [d.code for d in session.client.diagnostics.get(u, [])] == ["DG202"])
    path.unlink()
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(u, types.FileChangeType.Deleted)])
    )
    await _wait_for(lambda: list(session.client.diagnostics.get(u, [None])) == [])


async def test_project_config_change_reanalyses_open_documents(
    session: Session, project: Project
) -> None:
    path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    u = session.open(path)
    assert await session.diagnostics(u, version=1)
    (project.backend / "pyproject.toml").write_text('[tool.ddlguard]\nignore = ["DG202"]\n')
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri(project.backend / "pyproject.toml"), types.FileChangeType.Created)]
        )
    )
    await _wait_for(
        lambda: (
            session.published_for(u)[-1].diagnostics == []
            or list(session.published_for(u)[-1].diagnostics) == []
        )
    )


async def test_initialization_options_and_configuration_change(project: Project) -> None:
    path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    s = await start_session(
        project.root,
        init_options={"severity": {"DG202": "error"}, "openFilesOnly": True},
        configuration={"ddlguard": {}},
    )
    try:
        u = s.open(path)
        [d] = await s.diagnostics(u, version=1)
        assert d.severity == types.DiagnosticSeverity.Error
        s.client.set_configuration({"ddlguard": {"ignore": ["DG202"]}})
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await _wait_for(lambda: list(s.client.diagnostics[u]) == [])
    finally:
        await stop_session(s)


async def test_project_file_wins_over_editor_settings(project: Project) -> None:
    (project.backend / "pyproject.toml").write_text(
        '[tool.ddlguard]\nseverity = {DG202 = "info"}\n'
    )
    path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    s = await start_session(
        project.root, init_options={"severity": {"DG202": "error"}, "openFilesOnly": True}
    )
    try:
        [d] = await s.diagnostics(s.open(path), version=1)
        assert d.severity == types.DiagnosticSeverity.Information
    finally:
        await stop_session(s)


async def test_invalid_settings_are_logged_and_shown_once(project: Project) -> None:
    s = await start_session(
        project.root,
        init_options={"dialect": "cobol", "bogus": 1, "openFilesOnly": True},
        configuration={"ddlguard": {"dialect": "cobol", "bogus": 1}},
    )
    try:
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.settle(0.5)
        shown = [m.message for m in s.client.messages]
        assert sum("dialect" in m for m in shown) == 1, shown
        assert sum("bogus" in m for m in shown) == 1, shown
        assert sum("dialect" in m.message for m in s.client.log_messages) >= 2
        path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
        assert await s.diagnostics(s.open(path), version=1)  # defaults still apply
    finally:
        await stop_session(s)


async def test_pull_diagnostics(project: Project) -> None:
    path = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    s = await start_session(
        project.root, capabilities(pull=True), init_options={"openFilesOnly": True}
    )
    try:
        u = s.open(path)
        report = await s.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(u))
        )
        assert [d.code for d in report.items] == ["DG202"]
        s.change(u, migration("a1", "a0", '    op.create_table("t")'))
        report = await s.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(u))
        )
        assert list(report.items) == []
        assert not s.published_for(u), "a pulling client gets no pushed diagnostics for open files"
    finally:
        await stop_session(s)


async def test_exclude_from_editor_settings(project: Project) -> None:
    kept = project.add_after_base("a1_m.py", "a1", body=EMPTY)
    left = project.add("b2_legacy.py", "b2", "a1", body=EMPTY)
    s = await start_session(project.root, init_options={"exclude": ["**/*_legacy.py"]})
    try:
        await _wait_for(lambda: bool(s.client.diagnostics.get(uri(kept))))
        assert not s.client.diagnostics.get(uri(left))
        await s.settle(0.2)
        assert all(not p.diagnostics for p in s.published_for(s.open(left)))
    finally:
        await stop_session(s)


async def test_settings_per_workspace_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Multi-root: each folder's `ddlguard` section applies to the files in that folder."""
    strict, relaxed = Project(tmp_path / "strict"), Project(tmp_path / "relaxed")
    a = strict.add_after_base("a1_m.py", "a1", body=EMPTY)
    b = relaxed.add_after_base("a1_m.py", "a1", body=EMPTY)
    s = await start_session(
        tmp_path,
        init_options={"openFilesOnly": True},
        configuration={"ddlguard": {}},
        folders=[strict.root, relaxed.root],
    )
    try:
        s.client.set_configuration(
            {"severity": {"DG202": "error"}}, section="ddlguard", scope_uri=uri(strict.root)
        )
        s.client.set_configuration(
            {"ignore": ["DG202"]}, section="ddlguard", scope_uri=uri(relaxed.root)
        )
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.settle(0.5)
        [d] = await s.diagnostics(s.open(a), version=1)
        assert d.severity == types.DiagnosticSeverity.Error
        assert await s.diagnostics(s.open(b), version=1) == []
    finally:
        await stop_session(s)
