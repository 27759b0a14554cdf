"""DG001: SQL text that changes data, in every form a migration builds it."""

from __future__ import annotations

import pytest
from ddlguard.model import Applicability

from .helpers import analyse, codes, only

SQL_FORMS = {
    "literal": 'op.execute("UPDATE users SET active = true")',
    "implicit concatenation": 'op.execute("UPDATE users " "SET active = true")',
    "plus": 'op.execute("UPDATE users " + "SET active = true")',
    "triple quoted": 'op.execute("""\n        UPDATE users\n        SET active = true\n    """)',
    "f-string, constant hole": 'op.execute(f"UPDATE {TABLE} SET active = true")',
    "format": 'op.execute("UPDATE {} SET active = true".format(TABLE))',
    "format by name": 'op.execute("UPDATE {t} SET active = true".format(t=TABLE))',
    "percent": 'op.execute("UPDATE %s SET active = true" % TABLE)',
    "percent dict": 'op.execute("UPDATE %(t)s SET active = true" % {"t": TABLE})',
    "dedent": 'op.execute(textwrap.dedent("""\n        UPDATE users SET active = true\n    """))',
    "sa.text": 'op.execute(sa.text("UPDATE users SET active = true"))',
}


@pytest.mark.parametrize("call", SQL_FORMS.values(), ids=SQL_FORMS.keys())
def test_every_static_form_is_dg001_on_users(call: str) -> None:
    source = f"import textwrap\nimport sqlalchemy as sa\nfrom alembic import op\nTABLE = 'users'\ndef upgrade():\n    {call}\n"
    finding = only(source)
    assert finding.code == "DG001"
    assert finding.message == "UPDATE on users in upgrade()"
    assert finding.data["statement"] == "UPDATE on users"
    assert finding.data["kind"] == "sql"
    assert finding.data["movable"] is True
    assert "UPDATE" in finding.data["sql"] and "__ddlguard_hole__" not in finding.data["sql"]
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert finding.fix.description == "Move UPDATE on users to scripts/sql"


def test_name_bound_earlier_in_the_function() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            sql = "DELETE FROM sessions"
            op.execute(sql)
        """
    )
    assert (finding.code, finding.message) == ("DG001", "DELETE on sessions in upgrade()")
    assert finding.data["sql"] == "DELETE FROM sessions"


def test_name_bound_at_module_level() -> None:
    finding = only(
        """
        from alembic import op
        BACKFILL = "INSERT INTO plans (name) VALUES ('free')"
        def upgrade():
            op.execute(BACKFILL)
        """
    )
    assert finding.message == "INSERT on plans in upgrade()"


def test_name_assigned_in_two_branches_carries_both_values() -> None:
    found = analyse(
        """
        from alembic import op
        def upgrade():
            if op.get_context().dialect.name == "postgresql":
                sql = "ALTER TABLE users ADD COLUMN x int"
            else:
                sql = "UPDATE users SET x = 1"
            op.execute(sql)
        """
    )
    assert [f.code for f in found] == ["DG001"]
    assert found[0].data["movable"] is False
    assert found[0].fix is not None and found[0].fix.reason == "the SQL has several possible values"


def test_reassignment_replaces_the_earlier_value() -> None:
    found = analyse(
        """
        from alembic import op
        def upgrade():
            sql = "UPDATE users SET x = 1"
            sql = "ALTER TABLE users ADD COLUMN y int"
            op.execute(sql)
        """
    )
    assert found == []


def test_augmented_assignment_builds_on_the_previous_value() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            sql = "UPDATE users"
            sql += " SET x = 1"
            op.execute(sql)
        """
    )
    assert finding.data["sql"] == "UPDATE users SET x = 1"


def test_loop_over_literal_tables_is_static_per_table() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            for table in ("users", "teams"):
                op.execute(f"UPDATE {table} SET deleted = false")
        """
    )
    assert finding.code == "DG001"
    assert finding.message == "UPDATE on users in upgrade()"
    assert finding.fix is not None and finding.fix.reason == "the SQL has several possible values"


def test_verb_visible_in_fstring_with_run_time_hole() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            value = compute()
            op.execute(f"UPDATE users SET plan = '{value}'")
        """
    )
    assert finding.code == "DG001"
    assert finding.data["sql"] is None
    assert finding.data["movable"] is False
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE
    assert finding.fix.reason == "the SQL is built at run time"


def test_several_statements_name_the_first_and_count_the_rest() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            op.execute("ALTER TABLE t ADD c int; UPDATE t SET c = 1; DELETE FROM u")
        """
    )
    assert finding.message == "UPDATE on t (+1 more) in upgrade()"
    # the whole string, DDL included, so the fix can keep the DDL in the migration
    assert finding.data["sql"] == "ALTER TABLE t ADD c int; UPDATE t SET c = 1; DELETE FROM u"


def test_result_used_is_not_movable() -> None:
    finding = only(
        """
        import sqlalchemy as sa
        from alembic import op
        def upgrade():
            ids = op.get_bind().execute(sa.text("UPDATE users SET x = 1 RETURNING id")).fetchall()
            print(ids)
        """
    )
    assert finding.code == "DG001"
    assert finding.fix is not None and finding.fix.reason == "its result is used"


def test_bound_parameters_are_not_movable() -> None:
    found = analyse(
        """
        import sqlalchemy as sa
        from alembic import op
        def upgrade():
            conn = op.get_bind()
            conn.execute(sa.text("UPDATE users SET plan = :p").bindparams(p="free"))
            conn.execute(sa.text("UPDATE users SET plan = :p"), {"p": "free"})
        """
    )
    assert [f.code for f in found] == ["DG001", "DG001"]
    assert all(
        f.fix is not None and f.fix.reason == "its parameters are bound at run time" for f in found
    )


def test_dml_in_downgrade() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            op.add_column("users", sa.Column("x", sa.Integer()))
        def downgrade():
            op.execute("DELETE FROM users WHERE x IS NOT NULL")
        """
    )
    assert finding.message == "DELETE on users in downgrade()"
    assert finding.data["phase"] == "downgrade"


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE audit_log",
        "WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved",
        "CREATE TABLE archive AS SELECT * FROM orders",
        "SELECT * INTO archive FROM orders",
    ],
)
def test_other_data_changing_statements(sql: str) -> None:
    assert codes(f"from alembic import op\ndef upgrade():\n    op.execute({sql!r})\n") == ["DG001"]


def test_item_of_a_literal_tuple() -> None:
    finding = only(
        """
        from alembic import op
        STEPS = ("ALTER TABLE a ADD b int", "UPDATE a SET b = 0")
        def upgrade():
            op.execute(STEPS[1])
        """
    )
    assert finding.data["sql"] == "UPDATE a SET b = 0"
