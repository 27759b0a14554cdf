"""Shapes real projects write their migrations in: `op` handed in, loops that build SQL up,
statements that decide the code whatever runs them, aliased executors, SQL in attributes."""

from __future__ import annotations

from ddlguard.model import Applicability

from .helpers import analyse, only

SA = "import sqlalchemy as sa\nfrom alembic import op\n"


def messages(source: str) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in analyse(source)]


# -- 1. `op` passed in -------------------------------------------------------------------------


def test_op_handed_to_upgrade_is_alembics_op() -> None:
    found = messages(
        "def upgrade(op, tables, tester):\n"
        "    op.execute(\"UPDATE users SET plan = 'free'\")\n"
        "    op.bulk_insert(tables.roles, [{'id': 1}])\n"
        "    op.execute(tables.users.delete())\n"
        "    op.add_column('users', None)\n"
    )
    assert found == [
        ("DG001", "UPDATE on users in upgrade()"),
        ("DG003", "INSERT on roles via op.bulk_insert() in upgrade()"),
        ("DG002", "DELETE on users via SQLAlchemy Core in upgrade()"),
    ]


def test_op_with_a_default_and_in_downgrade() -> None:
    found = messages(
        "def upgrade(op=None):\n    op.execute('DELETE FROM t')\n\n"
        "def downgrade(op=None):\n    op.execute('INSERT INTO t VALUES (1)')\n"
    )
    assert found == [
        ("DG001", "DELETE on t in upgrade()"),
        ("DG001", "INSERT on t in downgrade()"),
    ]


def test_op_passed_on_to_a_helper() -> None:
    finding = only(
        "def _seed(op, tables):\n    op.bulk_insert(tables['kinds'], [{'id': 1}])\n\n"
        "def upgrade(op, tables):\n    _seed(op, tables)\n"
    )
    assert finding.code == "DG003"
    assert finding.message == "INSERT on kinds via op.bulk_insert() in _seed()"


def test_an_op_parameter_elsewhere_is_not_alembics() -> None:
    # a function Alembic does not call, and nobody calls with Alembic's op
    assert analyse("def apply(op):\n    op.execute('UPDATE t SET a = 1')\n") == []
    assert analyse("def upgrade_helper(tables):\n    tables.users.delete().execute()\n") == []


# -- 3. loops and building up ------------------------------------------------------------------


def test_tuple_targets_over_a_literal_list_are_exact() -> None:
    found = analyse(
        "from alembic import op\n\ndef upgrade():\n"
        "    for name, stmt in [\n"
        "        ('t1', 'CREATE INDEX ix_t1 ON t1 (a)'),\n"
        "        ('t2', 'CREATE INDEX ix_t2 ON t2 (a)'),\n"
        "    ]:\n"
        "        op.execute(stmt)\n"
    )
    assert found == []  # DDL only: no DG006 any more


def test_tuple_targets_find_the_dml_among_them() -> None:
    finding = only(
        "from alembic import op\n\ndef upgrade():\n"
        "    for table, sql in (('a', 'CREATE INDEX i ON a (x)'), ('b', 'UPDATE b SET x = 1')):\n"
        "        op.execute(sql)\n"
    )
    assert finding.code == "DG001" and finding.message == "UPDATE on b in upgrade()"
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE


def test_tuple_targets_over_rows_stay_unreadable() -> None:
    finding = only(
        "from alembic import op\n\ndef upgrade():\n"
        "    for name, sql in load_statements():\n        op.execute(sql)\n"
    )
    assert finding.code == "DG006"


def test_fstring_over_a_list_filled_by_append() -> None:
    finding = only(
        "from alembic import op\n\ndef upgrade():\n"
        "    tables = []\n"
        "    tables.append('orders')\n"
        "    tables.extend(['invoices'])\n"
        "    for t in tables:\n"
        "        op.execute(f'UPDATE {t} SET archived = false')\n"
    )
    assert finding.code == "DG001"
    assert finding.message == "UPDATE on orders in upgrade()"
    assert finding.fix is not None and finding.fix.reason == "the SQL has several possible values"


def test_a_list_filled_some_other_way_still_shows_the_verb() -> None:
    finding = only(
        "from alembic import op\n\ndef upgrade():\n"
        "    tables = []\n"
        "    tables += names()\n"
        "    for t in tables:\n"
        "        op.execute(f'DELETE FROM {t}')\n"
    )
    assert finding.code == "DG001" and finding.message == "DELETE in upgrade()"


def test_an_empty_list_never_filled_runs_nothing_readable_as_dml() -> None:
    # the loop variable is unknown, not absent: the verb is still read
    finding = only(
        "from alembic import op\n\ndef upgrade():\n"
        "    for t in []:\n        op.execute(f'UPDATE {t} SET a = 1')\n"
    )
    assert finding.code == "DG001"


# -- 5. the code follows the statement ---------------------------------------------------------


def test_select_on_a_table_handed_in_is_a_read() -> None:
    finding = only(
        "from alembic import op\n\n"
        "def _services(connection, services_table):\n"
        "    return connection.execute(services_table.select()).fetchall()\n\n"
        "def upgrade():\n    _services(op.get_bind(), load())\n"
    )
    assert finding.code == "DG005"
    assert finding.message == "SELECT on services_table: rows read in _services()"


def test_a_dropped_select_on_a_parameter_is_nothing() -> None:
    assert analyse("def upgrade(connection, t):\n    connection.execute(t.select())\n") == []


def test_core_dml_through_a_session_is_dg002() -> None:
    found = messages(
        SA + "from sqlalchemy import orm\nusers = sa.table('users', sa.column('id'))\n\n"
        "def upgrade():\n"
        "    session = orm.Session(bind=op.get_bind())\n"
        "    session.execute(users.update().values(id=2))\n"
        "    session.execute(sa.text('DELETE FROM users'))\n"
        "    session.execute(sa.select(users)).fetchall()\n"
        "    session.query(User).all()\n"
        "    session.add(User())\n"
    )
    assert found == [
        ("DG002", "UPDATE on users via SQLAlchemy Core in upgrade()"),
        ("DG001", "DELETE on users in upgrade()"),
        ("DG005", "SELECT on users: rows read in upgrade()"),
        ("DG004", "ORM session.query() in upgrade()"),
        ("DG004", "ORM session.add() in upgrade()"),
    ]


def test_a_session_executing_what_cannot_be_read_stays_orm() -> None:
    finding = only(
        "from sqlalchemy.orm import Session\nfrom alembic import op\n\n"
        "def upgrade():\n    Session(bind=op.get_bind()).execute(build())\n"
    )
    assert finding.code == "DG004"


# -- 6. aliases, attributes, module-level constants --------------------------------------------


def test_aliased_executors() -> None:
    found = messages(
        "from alembic import op\n\ndef upgrade():\n"
        "    run = op.execute\n"
        "    run('UPDATE t SET a = 1')\n"
        "    conn = op.get_bind()\n"
        "    execute = conn.execute\n"
        "    execute('DELETE FROM t')\n"
        "    insert = op.bulk_insert\n"
        "    insert(sa_table, [{'id': 1}])\n"
    )
    assert found == [
        ("DG001", "UPDATE on t in upgrade()"),
        ("DG001", "DELETE on t in upgrade()"),
        ("DG003", "INSERT on sa_table via op.bulk_insert() in upgrade()"),
    ]


def test_an_alias_of_a_schema_operation_or_never_called_is_nothing() -> None:
    source = (
        "from alembic import op\n\ndef upgrade():\n"
        "    run = op.execute\n"
        "    make = op.create_table\n"
        "    make('t')\n"
    )
    assert analyse(source) == []


def test_alias_at_module_level_used_in_upgrade() -> None:
    finding = only(
        "from alembic import op\nrun = op.execute\n\ndef upgrade():\n    run('TRUNCATE t')\n"
    )
    assert finding.message == "TRUNCATE on t in upgrade()"


def test_sql_in_class_attributes_and_self() -> None:
    found = messages(
        "from alembic import op\n\n"
        "class Queries:\n    BACKFILL = 'UPDATE users SET plan = 1'\n\n"
        "class Step:\n"
        "    def __init__(self):\n        self.sql = 'DELETE FROM logs'\n"
        "    def run(self):\n        op.execute(self.sql)\n\n"
        "def upgrade():\n    op.execute(Queries.BACKFILL)\n    Step().run()\n"
    )
    assert found == [
        ("DG001", "DELETE on logs in run()"),
        ("DG001", "UPDATE on users in upgrade()"),
    ]


def test_an_unknown_class_attribute_is_unreadable_and_says_so() -> None:
    finding = only(
        "from alembic import op\n\nclass Q:\n    pass\n\ndef upgrade():\n    op.execute(Q.SQL)\n"
    )
    assert finding.code == "DG006"
    assert finding.message == "SQL that cannot be read statically (an attribute of Q) in upgrade()"


def test_text_bound_at_module_level() -> None:
    finding = only(
        SA + "from sqlalchemy import text\n"
        "BACKFILL = text('UPDATE users SET plan = 1')\n\n"
        "def upgrade():\n    op.get_bind().execute(BACKFILL)\n"
    )
    assert finding.code == "DG001" and finding.data["sql"] == "UPDATE users SET plan = 1"


# -- 7. issue 11 item 8: name the table, not the variable --------------------------------------


def test_the_table_op_create_table_returns() -> None:
    finding = only(
        SA + "def upgrade():\n"
        "    statuses = op.create_table('order_statuses', sa.Column('id', sa.Integer))\n"
        "    op.bulk_insert(statuses, [{'id': 1}])\n"
    )
    assert finding.message == "INSERT on order_statuses via op.bulk_insert() in upgrade()"


# -- 4. procedural SQL, through the detector ---------------------------------------------------


def test_an_oracle_block_updating_is_dg001() -> None:
    source = (
        "from alembic import op\n\ndef upgrade():\n"
        "    op.execute(\"BEGIN EXECUTE IMMEDIATE 'update accounts set a = 1'; END;\")\n"
    )
    for dialect in ("oracle", "postgresql"):
        found = [(f.code, f.message) for f in analyse(source, dialect=dialect)]
        assert found == [("DG001", "UPDATE on accounts in upgrade()")], dialect


def test_a_mysql_trigger_is_schema_only() -> None:
    source = (
        "from alembic import op\n\ndef upgrade():\n    op.execute('''\n"
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n"
        "  IF NEW.a IS NULL THEN SET NEW.a = 1;\n  ELSEIF NEW.a > 5 THEN SET NEW.a = 5;\n"
        "  END IF;\nEND''')\n"
    )
    for dialect in ("mysql", "postgresql"):
        assert analyse(source, dialect=dialect) == [], dialect


def test_sql_a_generator_yields() -> None:
    finding = only(
        "from alembic import op\n\n"
        "def _statements():\n    yield 'CREATE INDEX i ON t (a)'\n    yield 'DELETE FROM t'\n\n"
        "def upgrade():\n    for sql in _statements():\n        op.execute(sql)\n"
    )
    assert finding.message == "DELETE on t in upgrade()"


def test_sql_in_a_module_level_dict() -> None:
    found = messages(
        "from alembic import op\n"
        "QUERIES = {'backfill': 'UPDATE users SET a = 1', 'index': 'CREATE INDEX i ON t (a)'}\n\n"
        "def upgrade():\n"
        "    op.execute(QUERIES['backfill'])\n"
        "    op.execute(QUERIES['index'])\n"
        "    for name, sql in QUERIES.items():\n        op.execute(sql)\n"
        "    for sql in QUERIES.values():\n        op.execute(sql)\n"
        "    op.execute(QUERIES['missing'])\n"
    )
    assert found == [
        ("DG001", "UPDATE on users in upgrade()"),
        ("DG001", "UPDATE on users in upgrade()"),
        ("DG001", "UPDATE on users in upgrade()"),
        ("DG006", "SQL that cannot be read statically (built at run time) in upgrade()"),
    ]


def test_a_dict_key_alone_is_exact_and_movable() -> None:
    finding = only(
        "from alembic import op\nSQL = {'a': 'DELETE FROM t'}\n\n"
        "def upgrade():\n    op.execute(SQL['a'])\n"
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert finding.data["sql"] == "DELETE FROM t"
