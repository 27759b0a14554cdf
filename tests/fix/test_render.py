"""Exact SQL from Core constructs and bulk_insert rows, rebuilt statically, for each dialect."""

from __future__ import annotations

import ast

import pytest
from ddlguard.fix.model import NotMovable
from ddlguard.fix.render import render_bulk_insert, render_core
from ddlguard.fix.scope import TreeIndex

PRELUDE = """
import datetime, uuid
from decimal import Decimal
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from alembic import op
from myapp.types import Money

t = sa.table(
    "t",
    sa.column("tm", sa.Time), sa.column("u", sa.Uuid), sa.column("d", sa.Numeric(10, 2)),
    sa.column("arr", pg.ARRAY(sa.Integer)), sa.column("n", sa.String), sa.column("raw"),
)
with_default = sa.Table("wd", sa.MetaData(), sa.Column("x", sa.Integer, default=5))
custom = sa.table("c", sa.column("amount", Money()))


def upgrade(param):
    {call}
"""


def render(call: str, dialect: str = "postgresql") -> list[str]:
    tree = ast.parse(PRELUDE.format(call=call))
    node = next(
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("execute", "bulk_insert")
    )  # fmt: skip
    index = TreeIndex(tree, PRELUDE.format(call=call))
    function, _ = index.enclosing(node)
    scope = index.scope(function)
    if node.func.attr == "bulk_insert":  # type: ignore[union-attr]
        return render_bulk_insert(node, scope, dialect)
    return render_core(node.args[0], scope, dialect)


@pytest.mark.parametrize(
    ("call", "dialect", "sql"),
    [
        ('op.bulk_insert(t, [{"tm": datetime.time(10, 30), "d": Decimal("1.50"), "arr": [1, 2]}])',
         "postgresql", "INSERT INTO t (tm, d, arr) VALUES ('10:30:00', 1.50, ARRAY[1, 2])"),
        ('op.bulk_insert(t, [{"u": uuid.UUID("12345678-1234-5678-1234-567812345678")}])',
         "postgresql", "INSERT INTO t (u) VALUES ('12345678-1234-5678-1234-567812345678')"),
        ('op.bulk_insert(t, [{"raw": 3, "n": None}])', "postgresql", "INSERT INTO t (n, raw) VALUES (NULL, 3)"),
        ("op.execute(sa.insert(t).values(n=\"x\\\\y'z\"))", "postgresql", "INSERT INTO t (n) VALUES ('x\\y''z')"),
        ('op.execute(t.update().where(sa.text("n LIKE \'x%\'")).values(n=sa.null()))',
         "postgresql", "UPDATE t SET n=NULL WHERE n LIKE 'x%'"),
        ("op.execute(t.update().values(n=sa.func.lower(t.c.n)))", "postgresql", "UPDATE t SET n=lower(t.n)"),
        ('op.execute(t.delete().where(sa.or_(t.c.n.is_(None), t.c.n != "a")))',
         "postgresql", "DELETE FROM t WHERE t.n IS NULL OR t.n != 'a'"),
        ('op.execute(t.delete().where(t.c["n"].like("50%")))', "sqlite", "DELETE FROM t WHERE t.n LIKE '50%'"),
    ],
)  # fmt: skip
def test_renders_exactly(call: str, dialect: str, sql: str) -> None:
    assert render(call, dialect) == [sql]


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ('op.execute(t.delete().where(t.c.n == "a").returning(t.c.n))', ".returning()"),
        ('op.bulk_insert(with_default, [{"x": 1}])', "Python-side default"),
        ('op.bulk_insert(custom, [{"amount": 1}])', "cannot be resolved statically"),
        ('op.bulk_insert(t, [{"nope": 1}])', "column nope is not defined"),
        ('op.bulk_insert(t, [{"n": param}])', "param is computed at run time"),
        ('op.execute(t.update().values(n=param + "x"))', "computed at run time"),
        (
            'op.bulk_insert(t, [{"n": datetime.datetime.now()}])',
            "datetime.datetime.now() runs at migration time",
        ),
        ('op.bulk_insert(t, [{"n": Money}])', "imported from myapp.types"),
        ('op.bulk_insert(t, [{"raw": {"a": 1}}])', "cannot be rendered exactly"),
        ("op.bulk_insert(t, [])", "empty"),
        ('op.execute(sa.update(unknown_table).values(n="x"))', "not defined in this file"),
        ('op.execute(__import__("os").system("x"))', "computed at run time"),
    ],
)
def test_refuses_what_cannot_be_rendered_exactly(call: str, reason: str) -> None:
    with pytest.raises(NotMovable) as raised:
        render(call)
    assert reason in raised.value.reason


@pytest.mark.parametrize(
    ("call", "why"),
    [
        ('op.execute(t.delete().where(sa.text("n = 1 \\\\! id")))', "meta-command"),
        ('op.execute(t.delete().where(sa.text("n = \\\\:USER")))', "replace :USER"),
        ('op.bulk_insert(t, [{"n": "a\\x00b"}])', "NUL"),
    ],
)
def test_rendered_sql_that_psql_would_change_is_refused(call: str, why: str) -> None:
    with pytest.raises(NotMovable, match=why):
        render(call)


def test_a_mysql_value_with_a_backslash_is_refused() -> None:
    """SQLAlchemy doubles it (`'x\\\\y'`): one backslash by default, two on a server with
    NO_BACKSLASH_ESCAPES, where the migration's bound value stays one (test_mysql_client)."""
    call = 'op.execute(sa.insert(t).values(n="x\\\\y\'z"))'
    assert render(call, "postgresql") == ["INSERT INTO t (n) VALUES ('x\\y''z')"]
    with pytest.raises(NotMovable, match="backslash"):
        render(call, "mysql")
