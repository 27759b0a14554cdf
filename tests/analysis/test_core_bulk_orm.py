"""DG002 Core constructs, DG003 op.bulk_insert, DG004 ORM sessions."""

from __future__ import annotations

import pytest
from ddlguard.model import Applicability

from .helpers import analyse, only

PRELUDE = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import insert, update as sa_update\n"
    "from sqlalchemy.sql import table, column\n"
    "from alembic import op\n"
    "users = sa.table('users', sa.column('id'), sa.column('plan'))\n"
)

CORE = {
    "t.update() chain": (
        "op.execute(users.update().where(users.c.id == 1).values(plan='free'))",
        "UPDATE",
    ),
    "sa.insert(t)": "op.get_bind().execute(sa.insert(users).values(id=1))",
    "imported insert": "op.get_bind().execute(insert(users).values(id=1))",
    "imported update alias": ("op.execute(sa_update(users).values(plan='x'))", "UPDATE"),
    "sa.delete(t)": ("op.execute(sa.delete(users).where(users.c.id == 2))", "DELETE"),
    "through variables": (
        "stmt = users.update()\n    stmt = stmt.values(plan='x')\n    op.execute(stmt)",
        "UPDATE",
    ),
    "sa.Table": ("t = sa.Table('users', sa.MetaData())\n    op.execute(t.delete())", "DELETE"),
    "sql.table": (
        "t = table('users', column('id'))\n    op.execute(t.insert().values(id=3))",
        "INSERT",
    ),
}


@pytest.mark.parametrize("case", CORE.values(), ids=CORE.keys())
def test_core_constructs_are_dg002(case: str | tuple[str, str]) -> None:
    body, verb = case if isinstance(case, tuple) else (case, "INSERT")
    finding = only(f"{PRELUDE}def upgrade():\n    {body}\n")
    assert finding.code == "DG002"
    assert finding.message == f"{verb} on users via SQLAlchemy Core in upgrade()"
    assert finding.data["kind"] == "core" and finding.data["statement"] == f"{verb} on users"


def test_core_with_literal_values_is_movable() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    op.execute(users.update().where(users.c.id == 1).values(plan='free'))\n"
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert finding.fix.description == "Move UPDATE on users to scripts/sql"


def test_core_with_run_time_values_says_why_not() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    op.execute(users.update().values(plan=compute()))\n"
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE
    assert finding.fix.reason


def test_core_construct_never_executed_is_nothing() -> None:
    assert analyse(f"{PRELUDE}def upgrade():\n    stmt = users.update().values(plan='x')\n") == []


def test_model_table_executed_is_core() -> None:
    finding = only(
        "from alembic import op\ndef upgrade():\n    op.execute(User.__table__.delete())\n"
    )
    assert finding.code == "DG002" and finding.data["statement"] == "DELETE on User.__table__"


def test_list_insert_and_dict_update_are_not_core() -> None:
    source = "def upgrade():\n    rows = []\n    rows.insert(0, 1)\n    d = {}\n    d.update(a=1)\n"
    assert analyse(source) == []


def test_bulk_insert_with_literal_rows_is_movable() -> None:
    finding = only(
        f"{PRELUDE}def upgrade():\n    op.bulk_insert(users, [{{'id': 1, 'plan': 'free'}}])\n"
    )
    assert finding.code == "DG003"
    assert finding.message == "INSERT on users via op.bulk_insert() in upgrade()"
    assert finding.data["kind"] == "bulk_insert"
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_bulk_insert_with_computed_rows_is_not_movable() -> None:
    finding = only(f"{PRELUDE}def upgrade():\n    op.bulk_insert(users, load_rows())\n")
    assert finding.code == "DG003"
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE
    assert finding.data["movable"] is False


def test_bulk_insert_reference_never_called_is_nothing() -> None:
    assert (
        analyse("from alembic import op\ndef upgrade():\n    insert_rows = op.bulk_insert\n") == []
    )


def test_bulk_insert_through_alias() -> None:
    source = (
        "from alembic import op as o\ndef upgrade():\n    o.bulk_insert(sa.table('plans'), [])\n"
    )
    assert [f.code for f in analyse(source)] == ["DG003"]


ORM = {
    "Session(bind=)": "from sqlalchemy.orm import Session\n\ndef upgrade():\n    session = Session(bind=op.get_bind())\n    session.add(obj)",
    "orm.Session": "from sqlalchemy import orm\n\ndef upgrade():\n    session = orm.Session(bind=op.get_bind())\n    session.add(obj)",
    "sa.orm.Session": "import sqlalchemy as sa\n\ndef upgrade():\n    s = sa.orm.Session(bind=op.get_bind())\n    s.add(obj)",
    "sessionmaker()()": "from sqlalchemy.orm import sessionmaker\n\ndef upgrade():\n    s = sessionmaker(bind=op.get_bind())()\n    s.add(obj)",
    "module sessionmaker": "from sqlalchemy.orm import sessionmaker\nSession = sessionmaker()\n\ndef upgrade():\n    s = Session(bind=op.get_bind())\n    s.add(obj)",
    "with Session": "from sqlalchemy.orm import Session\n\ndef upgrade():\n    with Session(op.get_bind()) as s:\n        s.add(obj)",
    "flask db.session": "from app import db\n\ndef upgrade():\n    db.session.add(obj)",
    "flask db from extensions": "from app.extensions import database\n\ndef upgrade():\n    database.session.add(obj)",
}


@pytest.mark.parametrize("body", ORM.values(), ids=ORM.keys())
def test_orm_sessions(body: str) -> None:
    finding = only(f"from alembic import op\n{body}\n")
    assert finding.code == "DG004"
    assert finding.message.startswith("ORM ") and finding.message.endswith(".add() in upgrade()")
    assert finding.fix is None and finding.data["kind"] == "orm"


def test_each_orm_call_is_a_finding() -> None:
    found = analyse(
        """
        from alembic import op
        from sqlalchemy.orm import Session
        def upgrade():
            session = Session(bind=op.get_bind())
            for user in session.query(User).filter(User.plan.is_(None)):
                user.plan = "free"
            session.merge(x)
            session.delete(y)
            session.bulk_save_objects([])
            session.flush()
            session.commit()
            session.close()
        """
    )
    assert [f.data["statement"] for f in found] == [
        "session.query()",
        "session.merge()",
        "session.delete()",
        "session.bulk_save_objects()",
        "session.flush()",
        "session.commit()",
    ]
    assert {f.code for f in found} == {"DG004"}


def test_core_with_run_time_condition_is_not_movable() -> None:
    source = f"{PRELUDE}def upgrade():\n    uid = lookup()\n    op.execute(users.delete().where(users.c.id == uid))\n"
    finding = only(source)
    assert finding.fix is not None and finding.fix.applicability is Applicability.NONE
    assert finding.fix.reason == "its conditions use values computed at run time"


def test_core_condition_on_a_module_constant_is_movable() -> None:
    source = f"{PRELUDE}FREE = 'free'\ndef upgrade():\n    op.execute(users.delete().where(users.c.plan == FREE))\n"
    finding = only(source)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_flask_sqlalchemy_session_called_at_module_level() -> None:
    found = analyse(
        """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()
        session = db.session()
        def upgrade():
            rows = session.query(Thing).all()
            db.session.commit()
        """
    )
    assert [(f.code, f.data["statement"]) for f in found] == [
        ("DG004", "session.query()"),
        ("DG004", "db.session.commit()"),
    ]


def test_app_db_session_factory_on_a_bind() -> None:
    found = analyse(
        """
        from alembic import op
        from myapp import db
        def upgrade():
            session = db.Session(bind=op.get_bind())
            for obj in session.query(Chart).filter(Chart.kind == "x"):
                session.merge(obj)
            session.close()
        """
    )
    assert [f.data["statement"] for f in found] == ["session.query()", "session.merge()"]


def test_reflected_metadata_tables_are_named() -> None:
    found = analyse(
        """
        import sqlalchemy as sa
        from alembic import op
        def upgrade():
            conn = op.get_bind()
            meta = sa.MetaData()
            meta.reflect(conn)
            schema = meta.tables["block_schema"]
            conn.execute(sa.update(schema).values(checksum="x"))
            rows = conn.execute(sa.select(schema.c.id)).all()
        """
    )
    assert [f.message for f in found] == [
        "UPDATE on block_schema via SQLAlchemy Core in upgrade()",
        "SELECT on block_schema: rows read in upgrade()",
    ]


def test_alembic_docs_inline_literal_example() -> None:
    source = """
from alembic import op
from sqlalchemy import String
from sqlalchemy.sql import column, table

def upgrade():
    account = table("account", column("name", String))
    op.execute(
        account.update()
        .where(account.c.name == op.inline_literal("account 1"))
        .values({"name": op.inline_literal("account 2")})
    )
"""
    finding = only(source)
    assert finding.code == "DG002" and finding.data["statement"] == "UPDATE on account"
    assert finding.message == "UPDATE on account via SQLAlchemy Core in upgrade()"
