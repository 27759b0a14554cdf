"""The follow-up revision of a split: its text, its id and name, the children re-parented."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from ddlguard.engine import analyze_source
from ddlguard.fix.edits import apply_text_edits
from ddlguard.fix.followup import (
    FollowUp,
    FollowUpInput,
    alembic_slug,
    build_follow_up,
    file_name,
    guard_revision,
    new_revision_id,
    reparent,
)
from ddlguard.fix.guards import Check, Guard, guard_for
from ddlguard.fix.model import ChildMigration, NotMovable, RevisionContext
from ddlguard.fix.script import run_command
from ddlguard.settings import Settings
from hypothesis import given
from hypothesis import strategies as st

TODAY = datetime.date(2026, 11, 25)
SCRIPT = "scripts/sql/2026-11-25-add-credits.sql"
ORIGINAL = '''"""add credits

Revision ID: 0002
Revises: 0001
"""

import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIMIT = 10


def upgrade():
    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    # credits are required from now on
    op.alter_column("users", "credits", nullable=False)
    op.add_column("users", sa.Column("tags", postgresql.ARRAY(sa.String(LIMIT))))


def downgrade():
    op.drop_column("users", "tags")
    op.alter_column("users", "credits", nullable=True)
    op.drop_column("users", "credits")
'''
CHILD = '''"""add orders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-20
"""
from alembic import op

revision = "0003"
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("orders")


def downgrade():
    op.drop_table("orders")
'''


def _input(
    tmp_path: Path,
    source: str = ORIGINAL,
    children: tuple[ChildMigration, ...] = (),
    template: str | None = None,
    inverse: bool = True,
) -> FollowUpInput:
    tree = ast.parse(source)
    upgrade = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade")
    downgrade = next(
        s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "downgrade"
    )
    deferred = tuple(upgrade.body[2:])
    guard = guard_for(
        deferred, ["UPDATE users SET credits = 0 WHERE credits IS NULL"], "postgresql"
    )
    assert guard is not None
    context = RevisionContext(
        revision="0002",
        down_revision="0001",
        is_new=True,
        children=children,
        versions_dir=tmp_path,
        file_template=template,
        existing_revisions=frozenset({"0001", "0002", "0003"}),
    )
    return FollowUpInput(
        path=tmp_path / "0002_add_credits.py",
        source=source,
        tree=tree,
        revision="0002",
        message="add credits",
        deferred=deferred,
        inverse=tuple(downgrade.body[:2]) if inverse else (),
        script=SCRIPT,
        command=run_command("postgresql", SCRIPT),
        guard=guard,
        context=context,
        today=TODAY,
    )


def test_the_new_revision(tmp_path: Path) -> None:
    follow = build_follow_up(_input(tmp_path))
    text = follow.file.content
    tree = ast.parse(text)
    assignments = {
        s.targets[0].id: ast.literal_eval(s.value)
        for s in tree.body
        if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
    }
    assert assignments["revision"] == follow.revision and len(follow.revision) == 12
    assert assignments["down_revision"] == "0002"
    assert assignments["branch_labels"] is None and assignments["depends_on"] is None
    assert assignments["LIMIT"] == 10  # a module-level name the deferred code reads comes along
    doc = ast.get_docstring(tree) or ""
    assert doc.startswith("add credits, after the data script\n")
    assert f"Revision ID: {follow.revision}\nRevises: 0002\n" in doc
    assert f"only after {SCRIPT} has run" in doc
    assert "from sqlalchemy.dialects import postgresql" in text
    assert "import datetime" not in text  # imports the moved code does not use stay behind
    upgrade = text.split("def upgrade():\n", 1)[1].split("\n\n\n", 1)[0]
    assert upgrade == (
        "    _require_data_script()\n"
        "    # credits are required from now on\n"
        '    op.alter_column("users", "credits", nullable=False)\n'
        '    op.add_column("users", sa.Column("tags", postgresql.ARRAY(sa.String(LIMIT))))'
    )
    downgrade = text.split("def downgrade():\n", 1)[1].split("\n\n\n", 1)[0]
    assert downgrade == (
        '    op.drop_column("users", "tags")\n'
        '    op.alter_column("users", "credits", nullable=True)'
    )
    assert "if context.is_offline_mode():" in text
    assert "SELECT 1 FROM users WHERE credits IS NULL AND users.credits IS DISTINCT FROM 0" in text
    assert follow.file.path == tmp_path / f"{follow.revision}_add_credits_after_the_data_script.py"
    assert follow.remove_lines == frozenset({25, 26, 30, 31})
    assert follow.comment == (
        f"Schema changes that need this data moved to revision {follow.revision} (ddlguard)."
    )
    assert follow.comment.endswith("(ddlguard).")


def test_ddlguard_gives_no_finding_on_the_new_revision(tmp_path: Path) -> None:
    follow = build_follow_up(_input(tmp_path))
    result = analyze_source(follow.file.content, follow.file.path, Settings(), in_version_dir=True)
    assert result.error is None
    assert [f.code for f in result.findings] == []


def test_without_a_known_inverse_downgrade_passes_and_says_why(tmp_path: Path) -> None:
    follow = build_follow_up(_input(tmp_path, inverse=False))
    downgrade = follow.file.content.split("def downgrade():\n", 1)[1].split("\n\n\n", 1)[0]
    assert downgrade.endswith("    pass")
    assert "revision\n    # 0002's downgrade(), which still undoes them" in downgrade
    assert follow.remove_lines == frozenset({25, 26})


def test_the_id_is_deterministic_and_avoids_existing_ones() -> None:
    first = new_revision_id("0002", SCRIPT, TODAY, ())
    assert first == new_revision_id("0002", SCRIPT, TODAY, ())
    assert len(first) == 12 and int(first, 16) >= 0
    other = new_revision_id("0002", SCRIPT, TODAY, {first})
    assert other != first and len(other) == 12
    assert new_revision_id("0002", SCRIPT, TODAY + datetime.timedelta(days=1), ()) != first


@pytest.mark.parametrize(
    ("template", "name"),
    [
        (None, "abc123def456_add_credits.py"),
        ("%%(rev)s_%%(slug)s", "abc123def456_add_credits.py"),
        (
            "%(year)d_%(month).2d_%(day).2d-%(rev)s_%(slug)s",
            "2026_11_25-abc123def456_add_credits.py",
        ),
        ("%%(year)d/%%(rev)s", "2026/abc123def456.py"),
        ("%%(nope)s_%%(rev)s", "abc123def456_add_credits.py"),  # unknown token: the default
        ("../%%(rev)s", "abc123def456_add_credits.py"),  # never outside the versions folder
    ],
)
def test_file_name_from_file_template(template: str | None, name: str) -> None:
    assert file_name(template, "abc123def456", "add credits", TODAY) == name


def test_alembic_slug_is_alembics() -> None:
    assert alembic_slug("Add credits, and NOT NULL!") == "add_credits_and_not_null"
    long = alembic_slug("a very long message that goes on and on well past forty characters")
    assert long == "a_very_long_message_that_goes_on_and_on_"


def test_children_are_reparented_byte_for_byte(tmp_path: Path) -> None:
    child = ChildMigration(tmp_path / "0003_add_orders.py", CHILD.replace("\n", "\r\n"), "0003")
    follow = build_follow_up(_input(tmp_path, children=(child,)))
    [edit] = follow.child_edits
    expected = (
        CHILD.replace("Revises: 0002", f"Revises: {follow.revision}")
        .replace("down_revision = '0002'", f"down_revision = '{follow.revision}'")
        .replace("\n", "\r\n")
    )
    assert edit.new_source == expected
    assert apply_text_edits(edit.source, edit.edits) == expected


def test_reparent_keeps_other_parents_and_a_bom(tmp_path: Path) -> None:
    source = "\ufeff" + CHILD.replace("down_revision = '0002'", 'down_revision = ("0002", "0x")')
    edit = reparent(ChildMigration(tmp_path / "c.py", source, "0003"), "0002", "ffff00001111")
    assert edit.new_source.startswith("\ufeff")
    assert 'down_revision = ("ffff00001111", "0x")' in edit.new_source
    annotated = CHILD.replace(
        "down_revision = '0002'", 'down_revision: Union[str, None] = "0002"  # parent'
    )
    edit = reparent(ChildMigration(tmp_path / "c.py", annotated, "0003"), "0002", "ab12")
    assert 'down_revision: Union[str, None] = "ab12"  # parent' in edit.new_source
    with pytest.raises(NotMovable):
        reparent(ChildMigration(tmp_path / "c.py", CHILD, "0003"), "0009", "ab12")


def _write_project(tmp_path: Path, follow: FollowUp, original: str, children: list[str]) -> Path:
    folder = tmp_path / "alembic"
    versions = folder / "versions"
    versions.mkdir(parents=True)
    (folder / "script.py.mako").write_text("")
    lines = original.splitlines(keepends=True)
    kept = [line for n, line in enumerate(lines, 1) if n not in follow.remove_lines]
    (versions / "0002_add_credits.py").write_text("".join(kept))
    (versions / "0001_create.py").write_text(
        'revision = "0001"\ndown_revision = None\n\ndef upgrade():\n    pass\n\n'
        "def downgrade():\n    pass\n"
    )
    for i, child in enumerate(children):
        (versions / f"child{i}.py").write_text(child)
    (versions / follow.file.path.name).write_text(follow.file.content)
    return folder


def test_alembic_still_sees_one_head(tmp_path: Path) -> None:
    versions = tmp_path / "alembic" / "versions"
    child = ChildMigration(versions / "child0.py", CHILD, "0003")
    follow = build_follow_up(_input(versions, children=(child,)))
    [edit] = follow.child_edits
    folder = _write_project(tmp_path, follow, ORIGINAL, [edit.new_source])
    script = ScriptDirectory(str(folder))
    assert script.get_heads() == ["0003"]
    chain = [r.revision for r in script.walk_revisions()]
    assert chain == ["0003", follow.revision, "0002", "0001"]


def test_a_head_gets_a_follow_up_that_becomes_the_head(tmp_path: Path) -> None:
    versions = tmp_path / "alembic" / "versions"
    follow = build_follow_up(_input(versions))
    folder = _write_project(tmp_path, follow, ORIGINAL, [])
    assert ScriptDirectory(str(folder)).get_heads() == [follow.revision]


def test_locals_the_deferred_code_reads_come_along_when_pure(tmp_path: Path) -> None:
    source = ORIGINAL.replace(
        '    op.add_column("users", sa.Column("credits"',
        '    users = sa.table("users", sa.column("credits"))\n'
        '    op.add_column("users", sa.Column("credits"',
    ).replace(
        '    op.add_column("users", sa.Column("tags"',
        '    op.create_index("ix", users.name, ["credits"])\n    op.add_column("users", sa.Column("tags"',
    )
    tree = ast.parse(source)
    upgrade = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade")
    base = _input(tmp_path, source=source, inverse=False)
    follow = build_follow_up(
        FollowUpInput(**{**_fields(base), "tree": tree, "deferred": tuple(upgrade.body[3:])})
    )
    assert '    users = sa.table("users", sa.column("credits"))\n' in follow.file.content
    bad = source.replace('users = sa.table("users", sa.column("credits"))', "users = load()")
    tree = ast.parse(bad)
    upgrade = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade")
    with pytest.raises(NotMovable, match="cannot run twice"):
        build_follow_up(
            FollowUpInput(
                **{
                    **_fields(base),
                    "source": bad,
                    "tree": tree,
                    "deferred": tuple(upgrade.body[3:]),
                }
            )
        )


def _fields(value: FollowUpInput) -> dict[str, object]:
    return {name: getattr(value, name) for name in FollowUpInput.__dataclass_fields__}


GUARD = Guard((Check("rows still differ", "SELECT 1 FROM users WHERE note = ':b' LIMIT 1"),))


def test_guard_revision_puts_the_guard_first_in_upgrade(tmp_path: Path) -> None:
    child = ChildMigration(tmp_path / "0003.py", CHILD, "0003")
    edit = guard_revision(child, GUARD, SCRIPT, "0002", "postgresql")
    text = edit.new_source
    assert 'def upgrade():\n    _require_data_script()\n    op.create_table("orders")' in text
    assert r"""text("SELECT 1 FROM users WHERE note = '\\:b' LIMIT 1")""" in text  # not a bind
    assert apply_text_edits(CHILD, edit.edits) == text
    result = analyze_source(text, child.path, Settings(), in_version_dir=True)
    assert [f.code for f in result.findings] == []
    with_doc = CHILD.replace("def upgrade():\n", 'def upgrade():\n    """Orders."""\n')
    text = guard_revision(
        ChildMigration(child.path, with_doc, "0003"), GUARD, SCRIPT, "0002", "postgresql"
    ).new_source
    assert '    """Orders."""\n    _require_data_script()\n    op.create_table' in text


def test_a_crlf_original_gets_a_crlf_follow_up(tmp_path: Path) -> None:
    crlf = ORIGINAL.replace("\n", "\r\n")
    follow = build_follow_up(_input(tmp_path, source=crlf))
    assert "\r\n" in follow.file.content and "\n" not in follow.file.content.replace("\r\n", "")
    ast.parse(follow.file.content)


@given(
    quote=st.sampled_from(["'", '"']),
    spaces=st.sampled_from(["=", " = ", "  =\t"]),
    annotated=st.booleans(),
    in_tuple=st.booleans(),
    comment=st.sampled_from(["", "  # parent", "  # 0002 was here"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_reparent_changes_only_the_literal(
    quote: str,
    spaces: str,
    annotated: bool,
    in_tuple: bool,
    comment: str,
    newline: str,
    bom: bool,
) -> None:
    literal = f"{quote}0002{quote}"
    value = f"({literal}, {quote}0x{quote})" if in_tuple else literal
    target = "down_revision: Union[str, None]" if annotated else "down_revision"
    line = f"{target}{spaces}{value}{comment}"
    body = (
        f'"""orders{newline}{newline}Revision ID: 0003{newline}Revises: 0002{newline}"""{newline}'
        f"from typing import Union{newline}revision = '0003'{newline}{line}{newline}"
        f"def upgrade():{newline}    pass{newline}"
    )
    source = ("\ufeff" if bom else "") + body
    edit = reparent(ChildMigration(Path("c.py"), source, "0003"), "0002", "abcdef012345")
    new_line = line.replace(literal, f"{quote}abcdef012345{quote}", 1)
    expected = source.replace(line, new_line).replace("Revises: 0002", "Revises: abcdef012345")
    assert edit.new_source == expected
    assert apply_text_edits(body, edit.edits) == expected.removeprefix("\ufeff")


def test_a_second_script_guarding_the_same_revision_gets_its_own_guard(tmp_path: Path) -> None:
    child = ChildMigration(tmp_path / "0003.py", CHILD, "0003")
    once = guard_revision(child, GUARD, SCRIPT, "0002", "postgresql")
    again = guard_revision(
        ChildMigration(child.path, once.new_source, "0003"), GUARD, SCRIPT, "0002", "postgresql"
    )
    assert again.edits == () and again.new_source == once.new_source  # the same script: done
    other = "scripts/sql/2026-11-25-other.sql"
    twice = guard_revision(
        ChildMigration(child.path, once.new_source, "0003"), GUARD, other, "0001", "postgresql"
    ).new_source
    assert "def upgrade():\n    _require_data_script_2()\n    _require_data_script()\n" in twice
    assert "def _require_data_script_2():" in twice and f"while {other} has not run" in twice
    result = analyze_source(twice, child.path, Settings(), in_version_dir=True)
    assert [f.code for f in result.findings] == []


def test_a_follow_up_that_would_hold_data_is_refused(tmp_path: Path) -> None:
    source = ORIGINAL.replace(
        '    op.add_column("users", sa.Column("tags"',
        '    for n in range(3):\n        op.execute(f"UPDATE users SET credits = {n}")\n'
        '    op.add_column("users", sa.Column("tags"',
    )
    with pytest.raises(NotMovable, match="would make the follow-up revision a data migration"):
        build_follow_up(_input(tmp_path, source=source, inverse=False))
