"""The planner on hand-built findings: every reason a move is refused, naming, paths, edits.

These do not depend on the detector: each finding is built as the engine's contract says.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ddlguard.fix import FixPlan, apply_text_edits, plan_moves
from ddlguard.fix.edits import line_edits
from ddlguard.fix.naming import migration_slug, script_names, slugify
from ddlguard.model import Applicability, Finding, FixHint, Range, Severity
from ddlguard.project import ConfigError, Project
from ddlguard.settings import Settings

from .helpers import HEAD, TODAY, migration

MOVE = FixHint(Applicability.UNSAFE, "Move it to scripts/sql")


def finding_at(
    source: str,
    needle: str,
    *,
    code: str = "DG001",
    kind: str = "sql",
    sql: str | None = None,
    phase: str | None = "upgrade",
    fix: FixHint | None = MOVE,
) -> Finding:
    """A finding for the call starting at `needle` (first occurrence), as the detector builds it."""
    lines = source.split("\n")
    number = next(i for i, line in enumerate(lines, 1) if needle in line)
    col = lines[number - 1].index(needle)
    rng = Range.of(number, col, number, len(lines[number - 1]))
    stmt = Range.of(
        number,
        len(lines[number - 1]) - len(lines[number - 1].lstrip()),
        number,
        len(lines[number - 1]),
    )
    data = {"kind": kind, "phase": phase, "function": phase, "statement": "x", "sql": sql,
            "movable": fix is not None and fix.applicability is Applicability.UNSAFE}  # fmt: skip
    return Finding(code, "m", Severity.ERROR, rng, stmt, fix, data)


def run(tmp_path: Path, source: str, findings: list[Finding], **kw: object) -> FixPlan:
    project = Project(root=tmp_path)
    settings = kw.pop("settings", Settings())
    assert isinstance(settings, Settings)
    return plan_moves(
        source, tmp_path / "alembic" / "versions" / "abc123_x.py", findings, project=project,
        settings=settings, today=TODAY, exists=lambda p: p.exists(),
    )  # fmt: skip


def skipped_reason(tmp_path: Path, source: str, finding: Finding) -> str:
    result = run(tmp_path, source, [finding])
    assert result.new_source == source and result.new_files == () and result.edits == ()
    (skip,) = result.skipped
    return str(skip.reason)


SQL = "UPDATE a SET b = 1"


@pytest.mark.parametrize(
    ("body", "needle", "reason"),
    [
        (
            "def upgrade():\n    for x in (1, 2):\n        op.execute('UPDATE a SET b = 1')\n",
            "op.execute",
            "a loop",
        ),
        (
            "def upgrade():\n    if flag:\n        op.execute('UPDATE a SET b = 1')\n",
            "op.execute",
            "a condition",
        ),
        (
            "def upgrade():\n    try:\n        op.execute('UPDATE a SET b = 1')\n    except Exception:\n        pass\n",
            "op.execute",
            "a try block",
        ),
        (
            "def _helper():\n    op.execute('UPDATE a SET b = 1')\n\n\ndef upgrade():\n    _helper()\n",
            "op.execute",
            "_helper()",
        ),
        (
            "def upgrade():\n    op.execute('UPDATE a SET b = 1'); op.add_column('a', 'c')\n",
            "op.execute",
            "other statements",
        ),
        ("def upgrade(): op.execute('UPDATE a SET b = 1')\n", "op.execute", "function definition"),
        (
            "def upgrade():\n    r = op.get_bind().execute(sa.text('UPDATE a SET b = 1'))\n",
            "op.get_bind",
            "result is used",
        ),
        (
            "def upgrade():\n    op.execute('UPDATE a SET b = 1')  # noqa: DG001\n",
            "op.execute",
            "noqa",
        ),
        ("def upgrade():\n    op.execute('UPDATE a SET b = 1')  # noqa\n", "op.execute", "noqa"),
        (
            "def upgrade():\n    op.get_bind().execute(sa.text('UPDATE a SET b = :v'), {'v': 1})\n",
            "op.get_bind",
            "parameters",
        ),
        (
            "def upgrade():\n    op.execute(sa.text('UPDATE a SET b = :v').bindparams(v=1))\n",
            "op.execute",
            "bindparams",
        ),
    ],
)
def test_refused_moves_say_why_and_change_nothing(
    tmp_path: Path, body: str, needle: str, reason: str
) -> None:
    source = HEAD + "\n\n" + body
    assert reason in skipped_reason(tmp_path, source, finding_at(source, needle, sql=SQL))


def test_noqa_for_another_code_does_not_protect(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')  # noqa: DG005\n"
    result = run(tmp_path, source, [finding_at(source, "op.execute", sql=SQL)])
    assert len(result.moved) == 1


def test_finding_without_fix_keeps_the_engine_reason(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    f = finding_at(
        source,
        "op.execute",
        sql=SQL,
        fix=FixHint(Applicability.NONE, "", "values computed at run time"),
    )
    assert skipped_reason(tmp_path, source, f) == "values computed at run time"


def test_other_codes_are_not_moved(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    session.query(A).delete()\n"
    f = finding_at(source, "session.query", code="DG004", kind="orm", fix=None)
    assert "DG004" in skipped_reason(tmp_path, source, f)


def test_sql_with_run_time_parts_or_mixed_reads_is_refused(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('x')\n"
    hole = finding_at(source, "op.execute", sql="UPDATE a SET b = __ddlguard_hole__")
    assert "run time" in skipped_reason(tmp_path, source, hole)
    mixed = finding_at(source, "op.execute", sql="SELECT 1 FROM a; UPDATE a SET b = 1")
    assert "SELECT" in skipped_reason(tmp_path, source, mixed)
    unknown = finding_at(source, "op.execute", sql=None)
    assert "statically" in skipped_reason(tmp_path, source, unknown)


def test_phase_from_a_helper_is_not_moved_from_the_wrong_function(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    f = finding_at(source, "op.execute", sql=SQL, phase="downgrade")
    assert "by hand" in skipped_reason(tmp_path, source, f)


def test_stale_finding_position_is_refused(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    f = finding_at(source, "execute", sql=SQL)  # points inside the call, not at its start
    assert "not found" in skipped_reason(tmp_path, source, f)


def test_unparsable_source_is_refused_for_every_finding(tmp_path: Path) -> None:
    good = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    f = finding_at(good, "op.execute", sql=SQL)
    result = run(tmp_path, good + "def (:\n", [f])
    assert result.new_files == () and "does not parse" in result.skipped[0].reason


def test_scripts_dir_outside_the_root_is_a_config_error(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    f = finding_at(source, "op.execute", sql=SQL)
    for bad in ("../elsewhere", str(tmp_path / "outside")):
        with pytest.raises(ConfigError):
            run(tmp_path / "proj", source, [f], settings=Settings(scripts_dir=bad))


def test_scripts_dir_setting_is_used(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    result = run(
        tmp_path,
        source,
        [finding_at(source, "op.execute", sql=SQL)],
        settings=Settings(scripts_dir="db/data"),
    )
    (new,) = result.new_files
    assert new.path.parent == (tmp_path / "db" / "data").resolve()
    assert new.relative.startswith("db/data/")
    assert f"-f {new.relative}" in new.content
    assert f"moved to {new.relative} (ddlguard)" in result.new_source


def test_taken_names_get_a_number_and_nothing_is_overwritten(tmp_path: Path) -> None:
    source = HEAD + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n"
    scripts = tmp_path / "scripts" / "sql"
    scripts.mkdir(parents=True)
    (scripts / "2026-11-25-backfill-names.sql").write_text("keep me")
    (scripts / "2026-11-25-backfill-names-2.sql").write_text("keep me too")
    result = run(tmp_path, source, [finding_at(source, "op.execute", sql=SQL)])
    (new,) = result.new_files
    assert new.path.name == "2026-11-25-backfill-names-3.sql"
    assert (scripts / "2026-11-25-backfill-names-2.sql").read_text() == "keep me too"
    assert (scripts / "2026-11-25-backfill-names.sql").read_text() == "keep me"


def test_header_names_the_migration_revision_and_how_to_run(tmp_path: Path) -> None:
    source = migration("\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n")
    result = run(tmp_path, source, [finding_at(source, "op.execute", sql=SQL)])
    (new,) = result.new_files
    header = new.content.split("\n\n", 1)[0]
    assert "alembic/versions/abc123_x.py" in header
    assert "revision abc123" in header and "2026-11-25" in header and "Why:" in header
    assert f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/sql/{new.path.name}' in header
    assert new.content.endswith("COMMIT;\n")


def test_one_finding_is_the_quick_fix_the_others_stay(tmp_path: Path) -> None:
    source = (
        HEAD
        + "\n\ndef upgrade():\n    op.execute('UPDATE a SET b = 1')\n    op.execute('UPDATE c SET d = 1')\n"
    )
    second = finding_at(source, "op.execute('UPDATE c", sql="UPDATE c SET d = 1")
    result = run(tmp_path, source, [second])
    assert "UPDATE a SET b = 1" in result.new_source
    assert "UPDATE c" not in result.new_source


def test_slugs() -> None:
    assert slugify("Backfill user names!") == "backfill-user-names"
    assert slugify("Ünïcode — très") == "nicode-trs" or slugify("Ünïcode — très").isascii()
    assert slugify("") == "data"
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-")
    assert migration_slug(None, Path("1a2b3c4d5e6f_add_users.py")) == "add-users"
    assert migration_slug("add users", Path("x.py")) == "add-users"


def test_pair_names_share_one_number(tmp_path: Path) -> None:
    (tmp_path / "2026-11-25-s-rollback.sql").write_text("")
    up, down = script_names(
        tmp_path, datetime.date(2026, 11, 25), "s", upgrade=True, downgrade=True, exists=Path.exists
    )
    assert up is not None and down is not None
    assert (up.name, down.name) == ("2026-11-25-s-2.sql", "2026-11-25-s-2-rollback.sql")


def test_a_rollback_moved_later_pairs_with_its_upgrade(tmp_path: Path) -> None:
    (tmp_path / "2026-11-25-s.sql").write_text("the upgrade's data, moved earlier")
    up, down = script_names(
        tmp_path,
        datetime.date(2026, 11, 25),
        "s",
        upgrade=False,
        downgrade=True,
        exists=Path.exists,
    )
    assert up is None and down is not None
    assert down.name == "2026-11-25-s-rollback.sql"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\nc", "a\nB\nc"),
        ("a\r\nb\r\n", "a\r\nx\r\ny\r\nb\r\n"),
        ("a\nb", "a\n"),
        ("", "x\n"),
        ("é🎉\nb\n", "é🎉\n"),
    ],
)
def test_line_edits_reproduce_the_new_text(old: str, new: str) -> None:
    edits = line_edits(old, new)
    assert apply_text_edits(old, edits) == new
    for e in edits:
        assert e.range.start <= e.range.end


def test_a_construct_python_itself_rejects_costs_only_that_move(tmp_path: Path) -> None:
    source = HEAD + (
        '\nt = sa.table("t", sa.column("n", sa.String))\n\n\ndef upgrade():\n'
        '    op.execute(t.update().values(n=-"x"))\n'
        "    op.execute('UPDATE a SET b = 1')\n"
    )
    bad = finding_at(source, "op.execute(t.update", code="DG002", kind="core")
    good = finding_at(source, "op.execute('UPDATE", sql=SQL)
    result = run(tmp_path, source, [bad, good])
    assert [m.finding for m in result.moved] == [good]
    (skip,) = result.skipped
    assert skip.finding == bad and "cannot be rebuilt (TypeError)" in skip.reason
    assert 'op.execute(t.update().values(n=-"x"))' in result.new_source
