"""Move, split or refuse: every row of issue 11's table gets a dependent operation, never a plain move.

Whether a dependent case is split or refused depends on the follow-up revision being
buildable (guard, follow-up module); what may never happen is a plain move that leaves the
dependent schema operation behind. Independent statements still move.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ddlguard.fix.model import FixPlan, Outcome, RevisionContext
from ddlguard.fix.script import parse_run_line

from .helpers import migration, plan

DEPENDENT = {
    "backfill then NOT NULL": (
        """
        def upgrade():
            op.add_column("users", sa.Column("credits", sa.Integer()))
            op.execute("UPDATE users SET credits = 0")
            op.alter_column("users", "credits", nullable=False)
        """,
        "alter_column",
    ),
    "delete duplicates then unique": (
        """
        def upgrade():
            op.execute("DELETE FROM emails a USING emails b WHERE a.id > b.id AND a.addr = b.addr")
            op.create_unique_constraint("uq_addr", "emails", ["addr"])
        """,
        "create_unique_constraint",
    ),
    "delete orphans then foreign key": (
        """
        def upgrade():
            op.execute("DELETE FROM orders WHERE user_id NOT IN (SELECT id FROM users)")
            op.create_foreign_key("fk_user", "orders", "users", ["user_id"], ["id"])
        """,
        "create_foreign_key",
    ),
    "backfill then check": (
        """
        def upgrade():
            op.execute("UPDATE items SET qty = 0 WHERE qty < 0")
            op.create_check_constraint("ck_qty", "items", "qty >= 0")
        """,
        "create_check_constraint",
    ),
    "bulk_insert lookup rows then FK column": (
        """
        def upgrade():
            statuses = sa.table("statuses", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
            op.bulk_insert(statuses, [{"id": 1, "name": "new"}])
            op.add_column("orders", sa.Column("status_id", sa.Integer(), sa.ForeignKey("statuses.id"), server_default="1"))
        """,
        "add_column",
    ),
    "price times 100 then type change": (
        """
        def upgrade():
            op.execute("UPDATE products SET price = price * 100")
            op.alter_column("products", "price", type_=sa.Integer(), postgresql_using="round(price)")
        """,
        "alter_column",
    ),
    "core update then drop what it reads": (
        """
        def upgrade():
            users = sa.table("users", sa.column("is_admin", sa.Boolean()), sa.column("role", sa.String()))
            op.execute(users.update().where(users.c.is_admin == sa.true()).values(role="admin"))
            op.drop_column("users", "is_admin")
        """,
        "drop_column",
    ),
    "insert select then drop the source": (
        """
        def upgrade():
            op.execute("INSERT INTO accounts (id) SELECT id FROM legacy_accounts")
            op.drop_table("legacy_accounts")
        """,
        "drop_table",
    ),
    "helper the migration calls": (
        """
        def _tighten():
            op.alter_column("users", "credits", nullable=False)


        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            _tighten()
        """,
        "_tighten",
    ),
    "unknown helper counts as dependent": (
        """
        from myproject.migrations import tighten


        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            tighten(op)
        """,
        "tighten",
    ),
    "batch_alter_table block": (
        """
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            with op.batch_alter_table("users") as batch_op:
                batch_op.alter_column("credits", nullable=False)
        """,
        "alter_column",
    ),
    "DDL in op.execute": (
        """
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            op.execute("ALTER TABLE users ALTER COLUMN credits SET NOT NULL")
        """,
        "ALTER TABLE",
    ),
}


@pytest.mark.parametrize("name", sorted(DEPENDENT))
def test_dependent_schema_operation_is_never_left_behind(tmp_path: Path, name: str) -> None:
    body, label = DEPENDENT[name]
    result = plan(tmp_path, migration(body))
    (decision,) = result.decisions
    assert decision.outcome is not Outcome.MOVE, decision.reason
    assert decision.dependent is not None
    dependent_line = result.source.splitlines()[decision.dependent.start.line - 1]
    assert label in dependent_line
    if decision.outcome is Outcome.REFUSE:
        assert result.new_source == result.source
        assert not result.new_files
        assert [s.reason for s in result.skipped] == [decision.reason]
    else:
        assert decision.follow_up is not None
        scripts = [f for f in result.new_files if f.path.suffix == ".sql"]
        run = parse_run_line(scripts[0].content)
        assert run is not None and run.until == decision.follow_up


INDEPENDENT = {
    "another table's constraint": """
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            op.alter_column("orders", "total", nullable=False)
        """,
    "a plain index and a new table": """
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            op.create_index("ix_users_credits", "users", ["credits"])
            op.create_table("audit", sa.Column("id", sa.Integer()))
        """,
    "last statement": """
        def upgrade():
            op.alter_column("users", "credits", nullable=False)
            op.execute("UPDATE users SET credits = 1 WHERE credits = 0")
        """,
}


@pytest.mark.parametrize("name", sorted(INDEPENDENT))
def test_independent_statement_still_moves(tmp_path: Path, name: str) -> None:
    result = plan(tmp_path, migration(INDEPENDENT[name]))
    (decision,) = result.decisions
    assert decision.outcome is Outcome.MOVE
    assert decision.dependent is None
    (script,) = result.new_files
    run = parse_run_line(script.content)
    assert run is not None and (run.phase, run.when, run.revision, run.until) == (
        "upgrade", "after", "abc123", None,
    )  # fmt: skip
    assert result.deploy_order == (
        "deploy up to revision abc123 (`alembic upgrade abc123`)",
        f"run {script.relative}",
        "then deploy the rest (`alembic upgrade head`)",
    )


def test_temporary_table_statements_move_with_the_data(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("CREATE TEMPORARY TABLE m AS SELECT id, 1 AS v FROM users; CREATE INDEX ON m (id); UPDATE orders SET v = m.v FROM m WHERE orders.id = m.id; DROP TABLE m")
            op.create_index("ix_orders_v", "orders", ["v"])
        """),
    )
    (moved,) = result.moved
    assert [s.split()[0:2] for s in moved.statements] == [
        ["CREATE", "TEMPORARY"], ["CREATE", "INDEX"], ["UPDATE", "orders"], ["DROP", "TABLE"],
    ]  # fmt: skip
    assert (
        "op.execute("
        not in result.new_source.split("def upgrade():")[1].split("op.create_index")[0]
    )


def test_temporary_table_in_separate_calls_moves_as_one_block(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("CREATE TEMPORARY TABLE m AS SELECT id FROM users WHERE active")
            op.execute("CREATE INDEX ON m (id)")
            op.execute("DROP TABLE m")
        """),
    )
    (moved,) = result.moved
    assert [s.split()[0:2] for s in moved.statements] == [
        ["CREATE", "TEMPORARY"], ["CREATE", "INDEX"], ["DROP", "TABLE"],
    ]  # fmt: skip
    assert "CREATE INDEX" not in result.new_source
    assert "DROP TABLE" not in result.new_source


def test_data_and_schema_change_in_one_string_after_the_data_is_refused(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET credits = 0; ALTER TABLE users ALTER COLUMN credits SET NOT NULL")
        """),
    )
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REFUSE
    assert "same block" in decision.reason or "same SQL string" in decision.reason


def test_statement_staying_behind_on_the_same_table_keeps_order(tmp_path: Path) -> None:
    """A later UPDATE that cannot move (it is in a loop) would run before the moved one."""
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            for n in (1, 2):
                op.execute("UPDATE users SET credits = 1")
        """),
    )
    movable = [d for d in result.decisions if d.finding.range.start.line == 13]
    assert movable and movable[0].outcome is not Outcome.MOVE


DOWNGRADE = """
def upgrade():
    op.drop_constraint("ck_mode", "forms")


def downgrade():
    {body}
"""


def test_downgrade_data_before_the_narrower_check_runs_before_the_revert(tmp_path: Path) -> None:
    src = migration(
        DOWNGRADE.format(
            body="""op.execute("UPDATE forms SET mode = 3 WHERE mode = 4")
    op.create_check_constraint("ck_mode", "forms", "mode < 4")"""
        )
    )
    result = plan(tmp_path, src)
    (decision,) = result.decisions
    assert decision.outcome is Outcome.MOVE
    run = parse_run_line(result.new_files[0].content)
    assert run is not None and (run.phase, run.when) == ("downgrade", "before")
    assert "just before `alembic downgrade` reverts revision abc123" in result.deploy_order[-1]


def test_downgrade_data_after_the_schema_it_needs_runs_after_the_revert(tmp_path: Path) -> None:
    src = migration(
        DOWNGRADE.format(
            body="""op.add_column("forms", sa.Column("old_mode", sa.Integer()))
    op.execute("UPDATE forms SET old_mode = mode")"""
        )
    )
    result = plan(tmp_path, src)
    run = parse_run_line(result.new_files[0].content)
    assert run is not None and (run.phase, run.when) == ("downgrade", "after")


def test_downgrade_data_with_dependents_on_both_sides_is_refused(tmp_path: Path) -> None:
    src = migration(
        DOWNGRADE.format(
            body="""op.drop_constraint("uq_mode", "forms")
    op.execute("UPDATE forms SET mode = 3 WHERE mode = 4")
    op.create_check_constraint("ck_mode", "forms", "mode < 4")"""
        )
    )
    result = plan(tmp_path, src)
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REFUSE
    assert "both sides" in decision.reason
    assert not result.new_files


def test_old_migration_keeps_its_finding_and_gets_no_fix(tmp_path: Path) -> None:
    context = RevisionContext("abc123", None, is_new=False, why_old="revision def456 builds on it")
    src = migration("""
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
        """)
    from ddlguard.fix import plan_moves
    from ddlguard.project import Project
    from ddlguard.settings import Settings

    from .helpers import TODAY, findings_of

    result = plan_moves(
        src, tmp_path / "alembic/versions/abc123_x.py", findings_of(src),
        project=Project(root=tmp_path, version_dirs=[tmp_path / "alembic/versions"]),
        settings=Settings(), today=TODAY, exists=lambda p: False, context=context,
    )  # fmt: skip
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REFUSE
    assert "revision def456 builds on it" in decision.reason
    assert "# noqa: DG001" in decision.reason and "since-revision" in decision.reason
    assert result.new_source == src and not result.new_files


def test_later_new_revision_with_the_dependent_operation_is_not_a_plain_move(
    tmp_path: Path,
) -> None:
    from ddlguard.fix import plan_moves
    from ddlguard.fix.model import ChildMigration
    from ddlguard.project import Project
    from ddlguard.settings import Settings

    from .helpers import TODAY, findings_of

    child_src = """revision = "c0ffee"
down_revision = "abc123"
from alembic import op


def upgrade():
    op.alter_column("users", "credits", nullable=False)
"""
    child = ChildMigration(tmp_path / "alembic/versions/c0ffee_tighten.py", child_src, "c0ffee")
    context = RevisionContext("abc123", None, True, (child,), (child,))
    src = migration("""
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
        """)
    result = plan_moves(
        src, tmp_path / "alembic/versions/abc123_x.py", findings_of(src),
        project=Project(root=tmp_path, version_dirs=[tmp_path / "alembic/versions"]),
        settings=Settings(), today=TODAY, exists=lambda p: False, context=context,
    )  # fmt: skip
    (decision,) = result.decisions
    assert decision.outcome is not Outcome.MOVE or decision.follow_up == "c0ffee"
    assert decision.dependent is not None and decision.dependent_path in (None, child.path)
    if decision.outcome is Outcome.MOVE:
        run = parse_run_line(result.new_files[0].content)
        assert run is not None and run.until == "c0ffee"
        assert [e.path for e in result.other_edits] == [child.path]


def test_downgrade_data_after_a_table_it_fills_is_created_runs_after_the_revert(
    tmp_path: Path,
) -> None:
    src = migration(
        DOWNGRADE.format(
            body="""op.create_table("legacy", sa.Column("id", sa.Integer()))
    op.execute("INSERT INTO legacy (id) SELECT id FROM forms")"""
        )
    )
    result = plan(tmp_path, src)
    run = parse_run_line(result.new_files[0].content)
    assert run is not None and (run.phase, run.when) == ("downgrade", "after")


def test_every_finding_gets_one_decision(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET credits = 0")
            for n in (1, 2):
                op.execute("UPDATE orders SET n = 1")
        """),
    )
    assert [d.finding.range.start.line for d in result.decisions] == [13, 15]
    assert [str(d.outcome) for d in result.decisions] == ["move", "refuse"]


def test_downgrade_data_between_the_table_it_fills_and_a_check_it_needs_is_refused(
    tmp_path: Path,
) -> None:
    """Run before the revert, the INSERT would precede the create_table it needs."""
    src = migration(
        DOWNGRADE.format(
            body="""op.create_table("legacy", sa.Column("id", sa.Integer()))
    op.execute("INSERT INTO legacy (id) SELECT id FROM forms")
    op.create_check_constraint("ck_mode", "forms", "mode < 4")"""
        )
    )
    result = plan(tmp_path, src)
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REFUSE and "both sides" in decision.reason


def test_split_moves_the_inverses_first_so_downgrade_data_is_decided_once(tmp_path: Path) -> None:
    src = migration("""
        def upgrade():
            op.add_column("rooms", sa.Column("label", sa.String()))
            op.execute("UPDATE rooms SET label = name")
            op.drop_column("rooms", "name")


        def downgrade():
            op.add_column("rooms", sa.Column("name", sa.String()))
            op.execute("UPDATE rooms SET name = label")
            op.drop_column("rooms", "label")
        """)
    result = plan(tmp_path, src)
    assert [str(d.outcome) for d in result.decisions] == ["split", "move"]
    follow_up = next(f for f in result.new_files if f.path.suffix == ".py")
    assert 'op.add_column("rooms", sa.Column("name"' in follow_up.content.split("def downgrade")[1]
    rollback = next(f for f in result.new_files if f.relative.endswith("-rollback.sql"))
    run = parse_run_line(rollback.content)
    assert run is not None and (run.phase, run.when) == ("downgrade", "before")
    again = plan(tmp_path, result.new_source)
    assert not again.changed, [d.reason for d in again.decisions]


def test_a_follow_up_the_followup_module_refuses_refuses_the_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ddlguard.fix import followup
    from ddlguard.fix.model import NotMovable

    def refuse(_: object) -> object:
        raise NotMovable("the deferred code reads a value only the original computes")

    monkeypatch.setattr(followup, "build_follow_up", refuse)
    body, _ = DEPENDENT["backfill then NOT NULL"]
    result = plan(tmp_path, migration(body))
    (decision,) = result.decisions
    assert decision.outcome is Outcome.REFUSE
    assert decision.reason.endswith(
        "but the deferred code reads a value only the original computes"
    )
    assert result.new_source == result.source and not result.new_files


# -- several backfills chained into one script before one follow-up revision ---------------

CHAIN = """
    def upgrade():
        op.add_column("users", sa.Column("a", sa.Integer(), nullable=True))
        op.add_column("users", sa.Column("b", sa.Integer(), nullable=True))
        op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
        op.alter_column("users", "a", nullable=False)
        op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
        op.alter_column("users", "b", nullable=False)


    def downgrade():
        op.drop_column("users", "b")
        op.drop_column("users", "a")
    """


def _files(result: FixPlan) -> tuple[list[str], list[str]]:
    sql = [f.content for f in result.new_files if f.path.suffix == ".sql"]
    py = [f.content for f in result.new_files if f.path.suffix == ".py"]
    return sql, py


def test_two_backfills_around_ddl_chain_into_one_script_and_one_follow_up(tmp_path: Path) -> None:
    result = plan(tmp_path, migration(CHAIN))
    assert [str(d.outcome) for d in result.decisions] == ["split", "split"]
    (first, second) = result.decisions
    assert first.follow_up is not None and first.follow_up == second.follow_up
    lines = result.source.splitlines()
    assert first.dependent is not None and second.dependent is not None
    assert '"a", nullable=False' in lines[first.dependent.start.line - 1]
    assert '"b", nullable=False' in lines[second.dependent.start.line - 1]
    assert "joins the same script" in second.reason
    (script,), (follow_up,) = _files(result)
    run = parse_run_line(script)
    assert run is not None and (run.revision, run.until) == ("abc123", first.follow_up)
    assert script.index("SET a = 1") < script.index("SET b = 2")  # their original order
    upgrade = follow_up.split("def upgrade():")[1].split("def downgrade")[0]
    assert "op.execute" not in upgrade  # the follow-up holds the DDL only, in order
    assert upgrade.index('"a", nullable=False') < upgrade.index('"b", nullable=False')
    guard = follow_up.split("def _require_data_script")[1]
    for check in ("a IS DISTINCT FROM 1", "b IS DISTINCT FROM 2", "users.a still holds NULLs",
                  "users.b still holds NULLs"):  # fmt: skip
        assert check in guard, check
    fixed_upgrade = result.new_source.split("def upgrade():")[1].split("def downgrade")[0]
    assert "op.execute" not in fixed_upgrade and "alter_column" not in fixed_upgrade
    assert fixed_upgrade.count("op.add_column") == 2  # before the cut: unchanged
    assert result.deploy_order[1:] == (
        f"run {result.new_files[0].relative}",
        f"then deploy revision {first.follow_up} and later (`alembic upgrade head`)",
    )
    again = plan(tmp_path, result.new_source)
    assert not again.changed and not again.decisions


def test_a_column_added_after_the_cut_stops_the_chain_and_says_which(tmp_path: Path) -> None:
    """UPDATE b needs column b, which would now be added only in the follow-up revision."""
    src = migration("""
        def upgrade():
            op.add_column("users", sa.Column("a", sa.Integer(), nullable=True))
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.add_column("users", sa.Column("b", sa.Integer(), nullable=True))
            op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
            op.alter_column("users", "b", nullable=False)
        """)
    result = plan(tmp_path, src)
    assert [str(d.outcome) for d in result.decisions] == ["refuse", "refuse"]
    assert result.new_source == result.source and not result.new_files
    first, second = result.decisions
    lines = result.source.splitlines()
    add_b = 'op.add_column("users", sa.Column("b", sa.Integer(), nullable=True))'
    assert second.dependent is not None and add_b in lines[second.dependent.start.line - 1]
    assert second.reason.startswith('it comes after `op.alter_column("users", "a", nullable')
    assert f"cannot join the same script: moved into the script it would run before `{add_b}`" in (
        second.reason
    )
    assert f"before `{add_b}`, which stands between the cut and it" in second.reason
    assert "move that operation above the cut" in second.reason
    # the first keeps its own dependent operation as related information, and says why
    assert first.dependent is not None and '"a", nullable' in lines[first.dependent.start.line - 1]
    assert "the data statement on line 17 after it cannot join the same script" in first.reason
    assert add_b in first.reason
    again = plan(tmp_path, result.new_source)
    assert [d.reason for d in again.decisions] == [d.reason for d in result.decisions]


def test_a_later_data_statement_can_chain_only_when_the_earlier_ones_can(tmp_path: Path) -> None:
    src = migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.add_column("users", sa.Column("b", sa.Integer(), nullable=True))
            op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
            op.execute("UPDATE orders SET c = 3 WHERE c IS NULL")
            op.alter_column("orders", "c", nullable=False)
        """)
    result = plan(tmp_path, src)
    assert [str(d.outcome) for d in result.decisions] == ["refuse"] * 3
    third = result.decisions[2]
    assert "could join the same script, but the data statement on line 16 cannot" in third.reason


def test_chain_of_a_unique_constraint_and_a_not_null_on_other_tables(tmp_path: Path) -> None:
    src = migration("""
        def upgrade():
            op.execute("DELETE FROM emails a USING emails b WHERE a.address = b.address AND a.id > b.id")
            op.create_unique_constraint("uq_emails_address", "emails", ["address"])
            op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))
            op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
            op.alter_column("users", "credits", nullable=False)
        """)
    result = plan(tmp_path, src)
    assert [str(d.outcome) for d in result.decisions] == ["refuse", "refuse"]
    # add_column(users) stands between the cut and the UPDATE of users: it cannot chain
    assert "op.add_column" in result.decisions[1].reason
    chained = src.replace(
        '    op.create_unique_constraint("uq_emails_address", "emails", ["address"])\n'
        '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n',
        '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n'
        '    op.create_unique_constraint("uq_emails_address", "emails", ["address"])\n',
    )
    assert chained != src
    result = plan(tmp_path, chained)
    assert [str(d.outcome) for d in result.decisions] == ["split", "split"]
    (script,), (follow_up,) = _files(result)
    assert script.index("DELETE FROM emails") < script.index("UPDATE users")
    upgrade = follow_up.split("def upgrade():")[1].split("def downgrade")[0]
    assert upgrade.index("create_unique_constraint") < upgrade.index("alter_column")
    guard = follow_up.split("def _require_data_script")[1]
    assert "emails" in guard and "users.credits still holds NULLs" in guard
    assert "GROUP BY" in guard or "HAVING" in guard or "duplicate" in guard.lower()


def test_a_chained_statement_nothing_depends_on_still_joins_the_script(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.execute("UPDATE orders SET note = 'x' WHERE note IS NULL")
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == ["split", "split"]
    second = result.decisions[1]
    assert second.dependent is None and second.follow_up == result.decisions[0].follow_up
    assert second.reason.startswith("nothing after it needs its data; it stands after")
    (script,), (follow_up,) = _files(result)
    assert "UPDATE orders" in script and "UPDATE orders" not in follow_up


@pytest.mark.parametrize(
    ("between", "said"),
    [
        ('op.alter_column("users", "b_old", new_column_name="b")', 'new_column_name="b"'),
        ('op.rename_table("people", "users")', 'op.rename_table("people", "users")'),
        ("tighten(op)", "ddlguard cannot tell what that touches"),
        ('op.alter_column("users", "b", server_default="0")', 'op.alter_column("users", "b"'),
        ('op.execute("ALTER TABLE users ADD CONSTRAINT ck CHECK (b < 9)")', "ALTER TABLE users"),
    ],
)
def test_operations_between_the_cut_and_a_later_backfill_that_touch_it_refuse(
    tmp_path: Path, between: str, said: str
) -> None:
    src = migration(f"""
        from myproject.migrations import tighten


        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            {between}
            op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
            op.alter_column("users", "b", nullable=False)
        """)
    result = plan(tmp_path, src)
    assert [str(d.outcome) for d in result.decisions] == ["refuse", "refuse"]
    assert said in result.decisions[1].reason
    assert not result.new_files


def test_operations_between_that_touch_other_columns_let_the_chain_through(
    tmp_path: Path,
) -> None:
    """An UPDATE is about the columns it sets and reads: dropping another column, tightening
    another column or indexing another column of its table may run after it instead."""
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.drop_column("users", "legacy")
            op.add_column("users", sa.Column("c", sa.Integer(), nullable=True))
            op.create_unique_constraint("uq_users_email", "users", ["email"])
            op.execute("UPDATE users SET b = id * 2 WHERE b IS NULL")
            op.alter_column("users", "b", nullable=False)
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == ["split", "split"]
    (script,), (follow_up,) = _files(result)
    assert "id * 2" in script and "op.drop_column" in follow_up


@pytest.mark.parametrize(
    ("second", "outcome"),
    [
        ("UPDATE users SET b = a * 2 WHERE b IS NULL", "split"),  # reads a: may run ahead
        ("UPDATE users SET a = 2, b = 3 WHERE b IS NULL", "refuse"),  # sets a: may not
    ],
)
def test_a_backfill_after_the_not_null_cut_chains_unless_it_sets_that_column(
    tmp_path: Path, second: str, outcome: str
) -> None:
    """`NOT NULL a` checks a and changes nothing: only a statement setting a meets it."""
    result = plan(
        tmp_path,
        migration(f"""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.execute("{second}")
            op.alter_column("users", "b", nullable=False)
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == [outcome, outcome]
    if outcome == "split":
        (script,), _ = _files(result)
        assert script.index("SET a = 1") < script.index(second)
    else:
        said = 'would run before `op.alter_column("users", "a", nullable=False)` itself'
        assert said in result.decisions[1].reason and not result.new_files


def test_a_data_statement_in_a_block_after_the_cut_is_refused(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            with op.get_context().autocommit_block():
                op.execute("UPDATE orders SET c = 3 WHERE c IS NULL")
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == ["refuse", "refuse"]
    assert "sits in a block" in result.decisions[1].reason


def test_three_backfills_keep_their_order_in_the_script(tmp_path: Path) -> None:
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
            op.create_index("ix_users_b", "users", ["b"], unique=True)
            op.execute("UPDATE users SET c = 3 WHERE c IS NULL")
            op.alter_column("users", "c", nullable=False)
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == ["split"] * 3
    (script,), (follow_up,) = _files(result)
    assert script.index("SET a") < script.index("SET b") < script.index("SET c")
    upgrade = follow_up.split("def upgrade():")[1].split("def downgrade")[0]
    assert upgrade.count("op.") == 3 and "op.execute" not in upgrade


def test_chained_core_statements_leave_their_table_helpers_out_of_the_follow_up(
    tmp_path: Path,
) -> None:
    """`sa.table(...)` helpers after the cut that only moved code used are removed, not
    deferred: the follow-up stays plain DDL, and the guard's DDL checks reach the foreign key."""
    result = plan(
        tmp_path,
        migration("""
        def upgrade():
            op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
            op.alter_column("users", "a", nullable=False)
            statuses = sa.table("statuses", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
            op.bulk_insert(statuses, [{"id": 1, "name": "new"}])
            orders = sa.table("orders", sa.column("status_id", sa.Integer()))
            op.execute(orders.update().where(orders.c.status_id.is_(None)).values(status_id=1))
            op.create_foreign_key("fk", "orders", "statuses", ["status_id"], ["id"])
        """),
    )
    assert [str(d.outcome) for d in result.decisions] == ["split"] * 3
    (script,), (follow_up,) = _files(result)
    order = ["UPDATE users", "INSERT INTO statuses", "UPDATE orders"]
    assert sorted(order, key=script.index) == order
    upgrade = follow_up.split("def upgrade():")[1].split("def downgrade")[0]
    assert "sa.table" not in upgrade and upgrade.count("op.") == 2
    assert "sa.table" not in result.new_source
    guard = follow_up.split("def _require_data_script")[1]
    assert "match no row of statuses (a foreign key follows)" in guard
    assert not plan(tmp_path, result.new_source).changed
