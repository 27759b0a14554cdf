"""The split as the editor offers it: one code action, one WorkspaceEdit (the script, the
follow-up revision, the migration's edit, the children re-parented), one undo; a refused
statement offers no move."""

from __future__ import annotations

import ast
import asyncio
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from ddlguard.engine import analyze_source
from ddlguard.settings import Settings
from lsprotocol import types

from .conftest import Project
from .harness import Session, apply_workspace_edit, capabilities, start_session, stop_session

BACKFILL = (
    '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n'
    '    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")\n'
    '    op.alter_column("users", "credits", nullable=False)'
)
PRICES = (
    '    op.execute("UPDATE products SET price = price * 100")\n'
    '    op.alter_column("products", "price", type_=sa.Integer(), postgresql_using="round(price)")'
)
CREATE = '    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'


def _findings(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8")
    result = analyze_source(text, path, Settings(), in_version_dir=True)
    assert result.error is None, result.error
    return [f.code for f in result.findings]


def _alembic_heads(project: Project) -> list[str]:
    folder = project.backend / "alembic"
    (folder / "script.py.mako").write_text("")
    return list(ScriptDirectory(str(folder)).get_heads())


async def _split_action(s: Session, path: Path) -> tuple[str, types.CodeAction]:
    u = s.open(path)
    diags = await s.diagnostics(u, version=1)
    update = next(d for d in diags if "UPDATE" in d.message)
    actions = await s.code_actions(u, [update])
    moves = [a for a in actions if a.title.startswith("Move UPDATE")]
    assert len(moves) == 1, [a.title for a in actions]
    return u, moves[0]


async def test_split_is_one_action_and_one_workspace_edit(
    session: Session, project: Project
) -> None:
    project.add("a1_create.py", "a1", None, body=CREATE, message="create users")
    path = project.add("a2_credits.py", "a2", "a1", body=BACKFILL, message="add credits")
    _, action = await _split_action(session, path)
    assert action.title.startswith("Move UPDATE on users to scripts/sql/")
    assert action.title.endswith(
        "-add-credits.sql and defer alter_column(nullable=False) to a new revision"
    )
    assert action.is_preferred
    resolved = await session.resolved(action)
    assert resolved.edit is not None and resolved.edit.document_changes
    changes = resolved.edit.document_changes
    creates = [c for c in changes if isinstance(c, types.CreateFile)]
    assert sorted(Path(c.uri).suffix for c in creates) == [".py", ".sql"]
    assert all(
        c.options == types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
        for c in creates
    )
    apply_workspace_edit(resolved.edit)
    revisions = sorted(p.name for p in project.versions.glob("*.py"))
    assert len(revisions) == 3
    [follow_up] = [p for p in project.versions.glob("*.py") if not p.name.startswith("a")]
    text = follow_up.read_text()
    assert 'down_revision = "a2"' in text and "_require_data_script()" in text
    assert 'op.alter_column("users", "credits", nullable=False)' in text
    original = path.read_text()
    assert "alter_column" not in original and "UPDATE users" not in original
    assert 'op.add_column("users"' in original
    assert _findings(follow_up) == [] and _findings(path) == []
    [script] = (project.backend / "scripts" / "sql").glob("*.sql")
    assert "UPDATE users SET credits = 0 WHERE credits IS NULL;" in script.read_text()
    revision = ast.literal_eval(text.split("\nrevision = ", 1)[1].split("\n", 1)[0])
    assert f"-- ddlguard-run: upgrade after a2 before {revision}" in script.read_text()
    assert _alembic_heads(project) == [revision]


async def test_refused_statement_offers_no_move(session: Session, project: Project) -> None:
    path = project.add("a1_prices.py", "a1", None, body=PRICES, message="prices in cents")
    u = session.open(path)
    diags = await session.diagnostics(u, version=1)
    update = next(d for d in diags if "UPDATE" in d.message)
    titles = [a.title for a in await session.code_actions(u, [update])]
    assert not any(t.startswith("Move") for t in titles), titles
    assert "Ignore DG001 on this line" in titles
    related = await _related(session, u)
    [info] = related
    assert info.location.uri == u
    assert info.location.range.start.line == update.range.start.line + 1  # the alter_column
    assert info.message.startswith("not moved: ")


async def _related(
    s: Session, u: str, timeout: float = 10.0
) -> list[types.DiagnosticRelatedInformation]:
    """The related information of the refused UPDATE, once the planner's report is in."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for params in reversed(s.published_for(u)):
            for diag in params.diagnostics:
                if "UPDATE" in diag.message and diag.related_information:
                    return list(diag.related_information)
        await asyncio.sleep(0.05)
    raise AssertionError("no related information was published")


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _committed_base(project: Project) -> None:
    project.add("a1_create.py", "a1", None, body=CREATE, message="create users")
    (project.root / ".git").rmdir()
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-q", "-m", "base")


async def test_dependent_operation_in_a_later_new_revision_gets_the_guard(
    project: Project,
) -> None:
    _committed_base(project)
    body = "\n".join(BACKFILL.splitlines()[:2])
    path = project.add("a2_credits.py", "a2", "a1", body=body, message="add credits")
    later = project.add(
        "a3_required.py", "a3", "a2", body=BACKFILL.splitlines()[2], message="credits required"
    )
    s = await start_session(project.root, init_options={"openFilesOnly": True, "diffBase": "HEAD"})
    try:
        _, action = await _split_action(s, path)
        assert action.title.endswith(", to run before revision a3"), action.title
        resolved = await s.resolved(action)
        assert resolved.edit is not None
        apply_workspace_edit(resolved.edit)
    finally:
        await stop_session(s)
    assert sorted(p.name for p in project.versions.glob("*.py")) == [
        "a1_create.py", "a2_credits.py", "a3_required.py",
    ]  # fmt: skip
    guarded = later.read_text()
    assert "def upgrade():\n    _require_data_script()\n    op.alter_column(" in guarded
    assert _findings(later) == [] and _findings(path) == []


async def test_split_reparents_the_children_of_a_new_migration(project: Project) -> None:
    _committed_base(project)
    path = project.add("a2_credits.py", "a2", "a1", body=BACKFILL, message="add credits")
    child = project.add(
        "a3_orders.py", "a3", "a2", body='    op.create_table("orders")', message="orders"
    )
    s = await start_session(project.root, init_options={"openFilesOnly": True, "diffBase": "HEAD"})
    try:
        _, action = await _split_action(s, path)
        assert "defer alter_column(nullable=False) to a new revision" in action.title
        resolved = await s.resolved(action)
        assert resolved.edit is not None
        apply_workspace_edit(resolved.edit)
    finally:
        await stop_session(s)
    [follow_up] = [p for p in project.versions.glob("*.py") if not p.name.startswith("a")]
    revision = ast.literal_eval(
        follow_up.read_text().split("\nrevision = ", 1)[1].split("\n", 1)[0]
    )
    assert f"down_revision = '{revision}'" in child.read_text()
    assert _alembic_heads(project) == ["a3"]
    chain = [r.revision for r in ScriptDirectory(str(project.backend / "alembic")).walk_revisions()]
    assert chain == ["a3", revision, "a2", "a1"]


async def test_split_without_create_support_writes_both_files_then_applies_the_edit(
    project: Project,
) -> None:
    project.add("a1_create.py", "a1", None, body=CREATE, message="create users")
    path = project.add("a2_credits.py", "a2", "a1", body=BACKFILL, message="add credits")
    s = await start_session(
        project.root, capabilities(create_files=False), init_options={"openFilesOnly": True}
    )
    try:
        _, action = await _split_action(s, path)
        resolved = await s.resolved(action)
        assert resolved.edit is None and resolved.command is not None
        applied = await s.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=resolved.command.command, arguments=resolved.command.arguments
            )
        )
        assert applied is True
    finally:
        await stop_session(s)
    [follow_up] = [p for p in project.versions.glob("*.py") if not p.name.startswith("a")]
    assert "_require_data_script()" in follow_up.read_text()
    assert len(list((project.backend / "scripts" / "sql").glob("*.sql"))) == 1
    assert "alter_column" not in path.read_text()
    assert _findings(path) == [] and _findings(follow_up) == []


async def test_a_dangling_symlink_takes_a_script_name(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body='    op.execute("UPDATE users SET a = 1")')
    u = session.open(path)
    diags = await session.diagnostics(u, version=1)
    action = next(a for a in await session.code_actions(u, diags) if a.is_preferred)
    name = action.title.rsplit(" ", 1)[-1]
    dangling = project.backend / name
    dangling.parent.mkdir(parents=True)
    dangling.symlink_to(project.root / "nowhere.sql")
    resolved = await session.resolved(action)
    assert resolved.edit is not None and resolved.edit.document_changes
    [create] = [c for c in resolved.edit.document_changes if isinstance(c, types.CreateFile)]
    assert not create.uri.endswith(name) and create.uri.endswith("-2.sql")


def test_the_deferred_operation_as_the_title_names_it() -> None:
    from ddlguard.fix.model import Decision, Outcome
    from ddlguard.lsp.move import describe_operation
    from ddlguard.model import Range

    source = (
        "def upgrade():\n"
        '    op.alter_column("users", "credits", nullable=False, existing_type=sa.Integer())\n'
        '    op.execute("ALTER TABLE users ADD CONSTRAINT uq UNIQUE (email)")\n'
        '    op.create_foreign_key(\n        "fk", "orders", "users", ["user_id"], ["id"]\n    )\n'
    )

    def described(first: int, last: int) -> str:
        decision = Decision(None, Outcome.SPLIT, "", Range.of(first, 4, last, 5))  # type: ignore[arg-type]
        return describe_operation(source, decision)

    assert described(2, 2) == "alter_column(nullable=False)"
    assert described(3, 3) == "execute(ALTER TABLE users …)"
    assert described(4, 6) == "create_foreign_key()"


CHAIN = (
    '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n'
    '    op.add_column("users", sa.Column("level", sa.Integer(), nullable=True))\n'
    '    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")\n'
    '    op.alter_column("users", "credits", nullable=False)\n'
    '    op.execute("UPDATE users SET level = 1 WHERE level IS NULL")\n'
    '    op.alter_column("users", "level", nullable=False)'
)


async def test_a_backfill_that_only_moves_chained_offers_the_chain(
    session: Session, project: Project
) -> None:
    # moved alone, the first UPDATE would leave the second behind the cut (refused); the
    # quick fix moves both into one script and defers both NOT NULLs to one new revision
    project.add("a1_create.py", "a1", None, body=CREATE, message="create users")
    path = project.add("a2_credits.py", "a2", "a1", body=CHAIN, message="add credits")
    _, action = await _split_action(session, path)
    assert action.title.startswith(
        "Move UPDATE on users and 1 more data operation(s) to scripts/sql/"
    ), action.title
    assert action.title.endswith("and defer alter_column(nullable=False) to a new revision")
    resolved = await session.resolved(action)
    assert resolved.edit is not None
    apply_workspace_edit(resolved.edit)
    [script] = list((project.backend / "scripts" / "sql").glob("*.sql"))
    text = script.read_text()
    assert text.index("SET credits = 0") < text.index("SET level = 1")
    [follow_up] = [p for p in project.versions.glob("*.py") if not p.name.startswith("a")]
    deferred = follow_up.read_text()
    assert deferred.index('"credits", nullable=False') < deferred.index('"level", nullable=False')
    assert _findings(path) == [] and _findings(follow_up) == []
