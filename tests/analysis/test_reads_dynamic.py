"""DG005 reads whose rows are used, DG006 SQL that cannot be read statically."""

from __future__ import annotations

import pytest

from .helpers import analyse, only

PRELUDE = (
    "import sqlalchemy as sa\nfrom alembic import op\nusers = sa.table('users', sa.column('id'))\n"
)

READS = {
    "fetchall": "rows = op.get_bind().execute(sa.text('SELECT id FROM users')).fetchall()",
    "fetchone": "row = op.get_bind().execute(sa.text('SELECT id FROM users')).fetchone()",
    "first": "row = op.get_bind().execute(sa.text('SELECT id FROM users')).first()",
    "one": "row = op.get_bind().execute(sa.text('SELECT id FROM users')).one()",
    "scalar method": "n = op.get_bind().scalar(sa.text('SELECT count(*) FROM users'))",
    "iteration": "for row in op.get_bind().execute(sa.text('SELECT id FROM users')):\n        print(row)",
    "assigned and read": "res = op.get_bind().execute(sa.text('SELECT id FROM users'))\n    print(res)",
    "sa.select executed": "ids = op.get_bind().execute(sa.select(users.c.id)).all()",
    "t.select executed": "ids = op.get_bind().execute(users.select()).all()",
}


@pytest.mark.parametrize("body", READS.values(), ids=READS.keys())
def test_reads_whose_rows_are_used(body: str) -> None:
    finding = only(f"{PRELUDE}def upgrade():\n    {body}\n")
    assert finding.code == "DG005"
    assert finding.data["kind"] == "read" and finding.fix is None


def test_read_message_names_the_table() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    rows = op.get_bind().execute(sa.text('SELECT id FROM users')).fetchall()\n"
    )
    assert finding.message == "SELECT on users: rows read in upgrade()"


def test_select_for_update_is_a_read_even_unused() -> None:
    finding = only(f"{PRELUDE}def upgrade():\n    op.execute('SELECT * FROM users FOR UPDATE')\n")
    assert finding.code == "DG005"
    assert "rows locked" in finding.message


def test_core_select_for_update_unused() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    op.get_bind().execute(users.select().with_for_update())\n"
    )
    assert finding.code == "DG005"


def test_select_whose_result_is_unused_is_nothing() -> None:
    source = f"{PRELUDE}def upgrade():\n    op.execute('SELECT 1')\n    unused = op.get_bind().execute(sa.text('SELECT 2'))\n"
    assert analyse(source) == []


DYNAMIC = {
    "imported constant": "from app.sql import BACKFILL\n\ndef upgrade():\n    op.execute(BACKFILL)",
    "function result": "def upgrade():\n    op.execute(build_sql())",
    "hole where the verb is": "def upgrade():\n    verb = pick()\n    op.execute(f'{verb} users SET x = 1')",
    "whole string a hole": "def upgrade():\n    op.execute(f'{make()}')",
    "parameter never passed": "def run(sql):\n    op.execute(sql)\n\ndef upgrade():\n    pass",
    "text of a call": "def upgrade():\n    op.get_bind().execute(sa.text(load('x.sql')))",
    "module attribute": "import queries\n\ndef upgrade():\n    op.execute(queries.BACKFILL)",
}


@pytest.mark.parametrize("body", DYNAMIC.values(), ids=DYNAMIC.keys())
def test_sql_that_cannot_be_read_is_dg006(body: str) -> None:
    finding = only(f"{PRELUDE}{body}\n")
    assert finding.code == "DG006"
    assert finding.data["kind"] == "dynamic" and finding.fix is None
    assert finding.message.startswith("SQL that cannot be read statically (")


def test_dg006_message_says_where_the_sql_comes_from() -> None:
    finding = only(f"{PRELUDE}def upgrade():\n    op.execute(build_sql())\n")
    assert (
        finding.message
        == "SQL that cannot be read statically (the result of build_sql()) in upgrade()"
    )


def test_local_function_returning_sql_is_followed() -> None:
    source = f"{PRELUDE}def _sql():\n    return 'DELETE FROM users'\n\ndef upgrade():\n    op.execute(_sql())\n"
    finding = only(source)
    assert (finding.code, finding.message) == ("DG001", "DELETE on users in upgrade()")


def test_recursive_names_terminate() -> None:
    source = f"{PRELUDE}def upgrade():\n    a = b\n    b = a\n    op.execute(a)\n"
    assert [f.code for f in analyse(source)] == ["DG006"]


def test_ddl_constructs_from_sqlalchemy_are_nothing() -> None:
    source = (
        f"{PRELUDE}from sqlalchemy.schema import CreateSequence, Sequence\n"
        "def upgrade():\n    op.execute(CreateSequence(Sequence('s')))\n    op.execute(sa.schema.DropSequence(sa.Sequence('s')))\n"
    )
    assert analyse(source) == []


def test_core_select_message_names_the_table() -> None:
    source = f"{PRELUDE}def upgrade():\n    rows = op.get_bind().execute(sa.select(users.c.id)).fetchall()\n    r = op.get_bind().execute(users.select().with_for_update()).first()\n"
    assert [f.message for f in analyse(source)] == [
        "SELECT on users: rows read in upgrade()",
        "SELECT ... FOR UPDATE on users: rows locked in upgrade()",
    ]


def test_dg006_for_a_hole_where_the_verb_goes_says_so() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    verb = pick()\n    op.execute(f'{{verb}} users SET x = 1')\n"
    )
    assert (
        finding.message
        == "SQL that cannot be read statically (its verb is built at run time) in upgrade()"
    )


def test_sql_read_from_a_file_is_dg006_naming_the_call() -> None:
    source = (
        f"{PRELUDE}from pathlib import Path\nSQL_DIR = Path(__file__).parent\n"
        "def upgrade():\n    op.execute((SQL_DIR / 'x.sql').read_text())\n"
    )
    finding = only(source)
    assert finding.message == (
        "SQL that cannot be read statically (the result of (SQL_DIR / 'x.sql').read_text()) in upgrade()"
    )
