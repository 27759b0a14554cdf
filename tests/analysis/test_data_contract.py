"""Every detector finding carries exactly the `data` keys docs/architecture.md promises, JSON-safe."""

from __future__ import annotations

import json

from ddlguard.rules import RULES

from .helpers import analyse

EVERY_RULE = """
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session
users = sa.table("users", sa.column("id"))
def upgrade():
    op.execute("UPDATE users SET id = 1")
    op.execute(users.delete())
    op.bulk_insert(users, [{"id": 1}])
    Session(bind=op.get_bind()).add(object())
    rows = op.get_bind().execute(sa.text("SELECT id FROM users")).fetchall()
    op.execute(make_sql())
"""


def test_each_rule_once_with_the_data_keys() -> None:
    found = analyse(EVERY_RULE)
    assert [f.code for f in found] == ["DG001", "DG002", "DG003", "DG004", "DG005", "DG006"]
    kinds = [f.data["kind"] for f in found]
    assert kinds == ["sql", "core", "bulk_insert", "orm", "read", "dynamic"]
    for finding in found:
        assert set(finding.data) == {"kind", "phase", "function", "statement", "sql", "movable"}
        assert json.loads(json.dumps(finding.data)) == dict(finding.data)
        assert finding.severity == RULES[finding.code].severity
        assert finding.data["phase"] == "upgrade" and finding.data["function"] == "upgrade"
        assert (
            finding.statement_range is not None
            and finding.statement_range.start <= finding.range.start
        )
        assert finding.message.endswith(" in upgrade()")
    assert [f.data["sql"] for f in found] == [
        "UPDATE users SET id = 1",
        None,
        None,
        None,
        None,
        None,
    ]
    assert [f.fix is None for f in found] == [False, False, False, True, True, True]
