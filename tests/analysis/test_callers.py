"""Who executes: op, context, binds and connections however they are reached, and import aliases."""

from __future__ import annotations

import pytest
from ddlguard.analysis import detector
from ddlguard.sql import SqlStatement, classify_sql

from .helpers import analyse, only

CALLERS = {
    "op.execute": "op.execute(SQL)",
    "context.execute": "context.execute(SQL)",
    "op.get_bind()": "op.get_bind().execute(sa.text(SQL))",
    "bind variable": "bind = op.get_bind()\n    bind.execute(sa.text(SQL))",
    "context.get_bind()": "context.get_bind().execute(sa.text(SQL))",
    "op.get_context().bind": "op.get_context().bind.execute(sa.text(SQL))",
    "exec_driver_sql": "op.get_bind().exec_driver_sql(SQL)",
    "engine.begin()": "with sa.create_engine(URL).begin() as conn:\n        conn.execute(sa.text(SQL))",
    "engine.connect()": "engine = sa.create_engine(URL)\n    with engine.connect() as c:\n        c.execute(sa.text(SQL))",
    "autocommit_block": "with op.get_context().autocommit_block():\n        op.execute(SQL)",
    "conn.begin() inside": "conn = op.get_bind()\n    with conn.begin():\n        conn.execute(sa.text(SQL))",
    "execution_options chain": "op.get_bind().execution_options(isolation_level='AUTOCOMMIT').execute(sa.text(SQL))",
    "text chain": "op.execute(sa.text(SQL).execution_options(autocommit=True))",
    "batch_alter_table": "with op.batch_alter_table('users') as batch_op:\n        batch_op.execute(SQL)",
    "DBAPI cursor": "cur = op.get_bind().connection.cursor()\n    cur.execute(SQL)",
}


@pytest.mark.parametrize("body", CALLERS.values(), ids=CALLERS.keys())
def test_every_caller_executes(body: str) -> None:
    source = (
        "import sqlalchemy as sa\nfrom alembic import op, context\n"
        "SQL = 'UPDATE users SET x = 1'\nURL = 'postgresql://'\n"
        f"def upgrade():\n    {body}\n"
    )
    finding = only(source)
    assert (finding.code, finding.message) == ("DG001", "UPDATE on users in upgrade()")


ALIASES = {
    "from alembic import op as migrate": "from alembic import op as migrate\n\ndef upgrade():\n    migrate.execute(SQL)",
    "import alembic": "import alembic\n\ndef upgrade():\n    alembic.op.execute(SQL)",
    "import alembic.op": "import alembic.op\n\ndef upgrade():\n    alembic.op.execute(SQL)",
    "from alembic.op import execute": "from alembic.op import execute\n\ndef upgrade():\n    execute(SQL)",
    "import sqlalchemy": "import sqlalchemy\nfrom alembic import op\n\ndef upgrade():\n    op.get_bind().execute(sqlalchemy.text(SQL))",
    "from sqlalchemy import text as t": "from sqlalchemy import text as t\nfrom alembic import op\n\ndef upgrade():\n    op.get_bind().execute(t(SQL))",
    "from sqlalchemy.sql import text": "from sqlalchemy.sql import text\nfrom alembic import op\n\ndef upgrade():\n    op.get_bind().execute(text(SQL))",
    "import inside the function": "def upgrade():\n    from alembic import op as o\n    o.execute(SQL)",
    "from alembic.op import *": "from alembic.op import *\n\ndef upgrade():\n    execute(SQL)",
    "from alembic import *": "from alembic import *\n\ndef upgrade():\n    op.execute(SQL)",
    "from alembic.context import *": "from alembic.context import *\n\ndef upgrade():\n    execute(SQL)",
    "star get_bind": "from alembic.op import *\n\ndef upgrade():\n    get_bind().execute(SQL)",
}


@pytest.mark.parametrize("body", ALIASES.values(), ids=ALIASES.keys())
def test_import_aliases(body: str) -> None:
    finding = only(f"SQL = 'DELETE FROM users'\n{body}\n")
    assert (finding.code, finding.message) == ("DG001", "DELETE on users in upgrade()")


@pytest.mark.parametrize("param", ["connection", "conn", "bind"])
def test_connection_parameters_of_helpers(param: str) -> None:
    finding = only(
        f"""
        import sqlalchemy as sa
        def _backfill({param}):
            {param}.execute(sa.text("UPDATE users SET x = 1"))
        def upgrade():
            pass
        """
    )
    assert finding.message == "UPDATE on users in _backfill()"
    assert finding.data["function"] == "_backfill"
    assert finding.data["phase"] is None  # never called from upgrade or downgrade


def test_connection_passed_to_a_helper_under_any_name() -> None:
    finding = only(
        """
        import sqlalchemy as sa
        from alembic import op
        def _backfill(c):
            c.execute(sa.text("UPDATE users SET x = 1"))
        def upgrade():
            _backfill(op.get_bind())
        """
    )
    assert (finding.message, finding.data["phase"]) == ("UPDATE on users in _backfill()", "upgrade")


def test_sql_passed_to_a_helper_is_read_at_its_call_sites() -> None:
    found = analyse(
        """
        from alembic import op
        def run(sql):
            op.execute(sql)
        def upgrade():
            run("UPDATE users SET x = 1")
        def downgrade():
            run("ALTER TABLE users DROP COLUMN x")
        """
    )
    assert [(f.code, f.message) for f in found] == [("DG001", "UPDATE on users in run()")]


def test_unknown_receiver_executing_text_is_a_connection() -> None:
    finding = only(
        """
        import sqlalchemy as sa
        def upgrade():
            self.connection.execute(sa.text("DELETE FROM users"))
        """
    )
    assert finding.code == "DG001"


def test_unknown_receiver_with_plain_string_is_not_assumed() -> None:
    assert analyse('def upgrade():\n    logger.execute("DELETE FROM users")\n') == []


@pytest.mark.parametrize(
    "db", ["from app import db", "from app.extensions import db", "db = make_db()"]
)
def test_flask_sqlalchemy_engine(db: str) -> None:
    finding = only(f"{db}\ndef upgrade():\n    db.engine.execute('DELETE FROM users')\n")
    assert (finding.code, finding.message) == ("DG001", "DELETE on users in upgrade()")


def test_dialect_reaches_the_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def spy(sql: str, dialect: str = "postgresql") -> list[SqlStatement]:
        seen.append(dialect)
        return classify_sql(sql, dialect)

    monkeypatch.setattr(detector, "classify_sql", spy)
    source = (
        "from alembic import op\ndef upgrade():\n    op.execute('UPDATE `users` SET `a` = 1')\n"
    )
    found = analyse(source, dialect="mysql")
    assert [(f.code, f.data["statement"]) for f in found] == [("DG001", "UPDATE on `users`")]
    assert seen == ["mysql"]
