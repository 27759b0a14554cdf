"""Code actions applied to the files: move (one WorkspaceEdit or the exclusive-write fallback),
move all, ignore on this line (single- and multi-line statements), documentation, fix all."""

from __future__ import annotations

from pathlib import Path

from ddlguard.engine import analyze_source
from ddlguard.settings import Settings
from lsprotocol import types

from .conftest import Project, migration
from .harness import Session, apply_workspace_edit, capabilities, start_session, stop_session

TWO = (  # two independent data statements: each one is a plain move
    '    op.add_column("users", sa.Column("active", sa.Boolean()))\n'
    '    op.execute("UPDATE users SET active = true")\n'
    '    op.execute("DELETE FROM sessions WHERE id < 0")'
)
MULTI = '    op.execute(\n        """\n        UPDATE users\n        SET active = true\n        """\n    )'


def codes_on_disk(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8")
    result = analyze_source(text, path, Settings(), in_version_dir=True)
    assert result.error is None, result.error
    return [f.code for f in result.findings]


def scripts(project: Project) -> list[Path]:
    folder = project.backend / "scripts" / "sql"
    return sorted(folder.glob("*.sql")) if folder.is_dir() else []


async def _open(s: Session, path: Path) -> tuple[str, list[types.Diagnostic]]:
    u = s.open(path)
    return u, await s.diagnostics(u, version=1)


async def test_move_one_is_one_workspace_edit(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    update = next(d for d in diags if "UPDATE" in d.message)
    actions = await session.code_actions(u, [update])
    titles = [a.title for a in actions]
    move = next(a for a in actions if a.title.startswith("Move UPDATE on users to scripts/sql/"))
    assert move.is_preferred and move.kind == types.CodeActionKind.QuickFix
    assert move.title.endswith("-add-users.sql")
    assert "Move all data operations in this file to scripts/sql" in titles
    assert "Ignore DG001 on this line" in titles and "Show documentation for DG001" in titles
    assert move.edit is None, "edits are resolved lazily"
    resolved = await session.resolved(move)
    assert resolved.edit is not None and resolved.edit.document_changes
    creates = [c for c in resolved.edit.document_changes if isinstance(c, types.CreateFile)]
    assert len(creates) == 1 and creates[0].options == types.CreateFileOptions(
        overwrite=False, ignore_if_exists=False
    )
    mig_edit = resolved.edit.document_changes[-1]
    assert isinstance(mig_edit, types.TextDocumentEdit) and mig_edit.text_document.version == 1
    apply_workspace_edit(resolved.edit)
    [script] = scripts(project)
    assert "UPDATE users SET active = true;" in script.read_text()
    assert not any(line.startswith("DELETE") for line in script.read_text().splitlines())
    after = path.read_text()
    assert "UPDATE users" not in after and "DELETE FROM sessions" in after
    assert script.name in after  # the comment pointing at the script
    assert codes_on_disk(path) == ["DG001"]


async def test_move_all(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    actions = await session.code_actions(u, diags[:1])
    move_all = next(a for a in actions if a.title.startswith("Move all"))
    apply_workspace_edit((await session.resolved(move_all)).edit)  # type: ignore[arg-type]
    [script] = scripts(project)
    assert "UPDATE users" in script.read_text() and "DELETE FROM sessions" in script.read_text()
    assert codes_on_disk(path) == []


async def test_move_never_overwrites_an_existing_script(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    update = next(d for d in diags if "UPDATE" in d.message)
    move = next(a for a in await session.code_actions(u, [update]) if a.is_preferred)
    resolved = await session.resolved(move)
    create = next(c for c in resolved.edit.document_changes if isinstance(c, types.CreateFile))  # type: ignore[union-attr]
    taken = Path(create.uri.removeprefix("file://"))
    taken.parent.mkdir(parents=True)
    taken.write_text("-- mine\n")
    resolved = await session.resolved(
        move.__class__(title=move.title, kind=move.kind, data=move.data)
    )
    create2 = next(c for c in resolved.edit.document_changes if isinstance(c, types.CreateFile))  # type: ignore[union-attr]
    assert create2.uri != create.uri and create2.uri.endswith("-2.sql")
    assert taken.read_text() == "-- mine\n"


async def test_move_fallback_without_resource_operations(project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    s = await start_session(
        project.root, capabilities(create_files=False), init_options={"openFilesOnly": True}
    )
    try:
        u, diags = await _open(s, path)
        update = next(d for d in diags if "UPDATE" in d.message)
        move = await s.resolved(
            next(a for a in await s.code_actions(u, [update]) if a.is_preferred)
        )
        assert move.edit is None and move.command is not None
        assert scripts(project) == []
        applied = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=move.command.command, arguments=move.command.arguments
            )
        )
        assert applied is True
        [script] = scripts(project)
        assert "UPDATE users SET active = true;" in script.read_text()
        edit = s.recorder.applied[-1].edit
        assert not any(isinstance(c, types.CreateFile) for c in edit.document_changes or [])
        assert codes_on_disk(path) == ["DG001"]
    finally:
        await stop_session(s)


async def test_fallback_refused_edit_removes_the_script(project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    s = await start_session(
        project.root, capabilities(create_files=False), init_options={"openFilesOnly": True}
    )
    s.recorder.apply_result = False
    try:
        u, diags = await _open(s, path)
        update = next(d for d in diags if "UPDATE" in d.message)
        move = await s.resolved(
            next(a for a in await s.code_actions(u, [update]) if a.is_preferred)
        )
        assert move.command is not None
        applied = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=move.command.command, arguments=move.command.arguments
            )
        )
        assert applied is False
        assert scripts(project) == []
        assert "UPDATE users" in path.read_text()
    finally:
        await stop_session(s)


async def test_ignore_on_this_line(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    update = next(d for d in diags if "UPDATE" in d.message)
    ignore = next(
        a for a in await session.code_actions(u, [update]) if a.title == "Ignore DG001 on this line"
    )
    apply_workspace_edit((await session.resolved(ignore)).edit)  # type: ignore[arg-type]
    assert '    op.execute("UPDATE users SET active = true")  # noqa: DG001\n' in path.read_text()
    assert codes_on_disk(path) == ["DG001"]  # only the DELETE is left


async def test_ignore_extends_an_existing_noqa(session: Session, project: Project) -> None:
    body = '    op.execute("UPDATE users SET active = true")  # noqa: DG005'
    path = project.add("a1_m.py", "a1", None, body=body)
    u, diags = await _open(session, path)
    ignore = next(
        a for a in await session.code_actions(u, diags) if a.title == "Ignore DG001 on this line"
    )
    apply_workspace_edit((await session.resolved(ignore)).edit)  # type: ignore[arg-type]
    assert "  # noqa: DG005, DG001\n" in path.read_text()
    assert codes_on_disk(path) == []


async def test_ignore_multiline_string_goes_on_the_last_line(
    session: Session, project: Project
) -> None:
    path = project.add("a1_m.py", "a1", None, body=MULTI)
    u, diags = await _open(session, path)
    [d] = [d for d in diags if d.code == "DG001"]
    ignore = next(
        a for a in await session.code_actions(u, [d]) if a.title == "Ignore DG001 on this line"
    )
    apply_workspace_edit((await session.resolved(ignore)).edit)  # type: ignore[arg-type]
    assert '        """\n    )  # noqa: DG001\n' in path.read_text()
    assert codes_on_disk(path) == []


async def test_show_documentation(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    listed = next(
        a
        for a in await session.code_actions(u, diags[:1])
        if a.title.startswith("Show documentation")
    )
    docs = await session.client.code_action_resolve_async(listed)
    assert docs.command is not None
    await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=docs.command.command, arguments=docs.command.arguments)
    )
    [shown] = session.client.shown_documents
    assert shown.uri.endswith("/DG001.md") and shown.external


async def test_fix_all_never_moves_data(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    before = path.read_text()
    u, _ = await _open(session, path)
    [fix_all] = await session.code_actions(u, [], only=["source.fixAll.ddlguard"])
    assert fix_all.kind == "source.fixAll.ddlguard"
    edit = (await session.resolved(fix_all)).edit
    assert edit is not None
    apply_workspace_edit(edit)
    assert path.read_text() == before
    assert scripts(project) == []


async def test_actions_without_resolve_support_carry_their_edit(project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=TWO)
    s = await start_session(
        project.root, capabilities(resolve=False), init_options={"openFilesOnly": True}
    )
    try:
        u, diags = await _open(s, path)
        result = await s.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=u),
                range=diags[0].range,
                context=types.CodeActionContext(diagnostics=diags[:1]),
            )
        )
        # (pygls' client reads any action with a command as a Command: count both)
        assert result and len(result) == 4
        actions = [a for a in result if isinstance(a, types.CodeAction)]
        assert actions and all(a.edit is not None for a in actions)
    finally:
        await stop_session(s)


def test_migration_helper_is_valid_python() -> None:
    compile(migration("a1", None, MULTI), "m.py", "exec")


async def test_neovim_07_capabilities_get_one_workspace_edit(project: Project) -> None:
    """Neovim announces `resourceOperations: create` without `documentChanges: true`."""
    from pytest_lsp import client_capabilities

    path = project.add("a1_m.py", "a1", None, body=TWO)
    s = await start_session(
        project.root, client_capabilities("neovim@v0.7.0"), init_options={"openFilesOnly": True}
    )
    try:
        u, diags = await _open(s, path)
        update = next(d for d in diags if "UPDATE" in d.message)
        move = await s.resolved(
            next(a for a in await s.code_actions(u, [update]) if a.is_preferred)
        )
        assert move.edit is not None and move.edit.document_changes
        assert isinstance(move.edit.document_changes[0], types.CreateFile)
        apply_workspace_edit(move.edit)
        assert len(scripts(project)) == 1 and codes_on_disk(path) == ["DG001"]
    finally:
        await stop_session(s)


async def test_ignore_resolved_after_lines_were_inserted_above(
    session: Session, project: Project
) -> None:
    """The action was listed for version 1; two lines arrive above before it is resolved."""
    path = project.add("a1_m.py", "a1", None, body=TWO)
    u, diags = await _open(session, path)
    update = next(d for d in diags if "UPDATE" in d.message)
    ignore = next(
        a for a in await session.code_actions(u, [update]) if a.title == "Ignore DG001 on this line"
    )
    text = path.read_text().replace("def upgrade():\n", "def upgrade():\n    # one\n    # two\n")
    path.write_text(text)
    v = session.change(u, text)
    await session.diagnostics(u, version=v)
    resolved = await session.resolved(ignore)
    assert resolved.edit is not None and resolved.edit.document_changes
    assert resolved.edit.document_changes[0].text_document.version == v  # type: ignore[union-attr]
    apply_workspace_edit(resolved.edit)
    assert '    op.execute("UPDATE users SET active = true")  # noqa: DG001\n' in path.read_text()


async def test_an_old_migration_offers_neither_move_nor_move_all(
    session: Session, project: Project
) -> None:
    # a1 has a child: it has run on existing databases, so the history rule moves nothing
    path = project.add("a1_m.py", "a1", None, body=TWO)
    project.add("a2_m.py", "a2", "a1", body='    op.create_table("orders")')
    u, diags = await _open(session, path)
    assert len(diags) == 2
    titles = [a.title for a in await session.code_actions(u, diags[:1])]
    assert not [t for t in titles if t.startswith("Move")], titles
    assert "Ignore DG001 on this line" in titles
