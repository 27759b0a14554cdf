"""Exact ranges: the executing call, in code points, whatever precedes it on the line."""

from __future__ import annotations

import pytest
from ddlguard.model import Range

from .helpers import analyse, only

CALL = 'op.execute("UPDATE users SET x = 1")'


def test_range_covers_the_call_and_statement_range_the_statement() -> None:
    finding = only(f"from alembic import op\ndef upgrade():\n    {CALL}\n")
    assert finding.range == Range.of(3, 4, 3, 4 + len(CALL))
    assert finding.statement_range == finding.range


def test_chained_call_range_starts_at_the_callee() -> None:
    source = "import sqlalchemy as sa\nfrom alembic import op\ndef upgrade():\n    x = op.get_bind().execute(sa.text('DELETE FROM a'))\n"
    finding = only(source)
    call = "op.get_bind().execute(sa.text('DELETE FROM a'))"
    assert finding.range == Range.of(4, 8, 4, 8 + len(call))
    assert finding.statement_range == Range.of(4, 4, 4, 8 + len(call))


@pytest.mark.parametrize(
    "prefix",
    ["s = '🐘🐘'; ", "s = '数据库迁移'; ", "s = 'é'; ", "\t"],
    ids=["emoji", "cjk", "accent", "tab"],
)
def test_columns_are_code_points(prefix: str) -> None:
    source = f"from alembic import op\ndef upgrade():\n    {prefix}{CALL}\n"
    finding = only(source)
    start = 4 + len(prefix)
    assert finding.range == Range.of(3, start, 3, start + len(CALL))
    line = source.splitlines()[2]
    assert line[finding.range.start.character : finding.range.end.character] == CALL


def test_crlf_source() -> None:
    source = f"from alembic import op\r\ndef upgrade():\r\n    pass\r\n    {CALL}\r\n"
    finding = only(source)
    assert finding.range == Range.of(4, 4, 4, 4 + len(CALL))


def test_multi_line_call() -> None:
    source = 'from alembic import op\ndef upgrade():\n    op.execute(\n        "UPDATE users SET x = 1"\n    )  # done\n'
    finding = only(source)
    assert finding.range == Range.of(3, 4, 5, 5)


def test_statement_range_of_a_loop_is_its_header() -> None:
    source = (
        "import sqlalchemy as sa\nfrom alembic import op\ndef upgrade():\n"
        "    for row in op.get_bind().execute(sa.text('SELECT id FROM a')):\n        print(row)\n"
    )
    finding = only(source)
    header = "for row in op.get_bind().execute(sa.text('SELECT id FROM a'))"
    assert finding.statement_range == Range.of(4, 4, 4, 4 + len(header))


def test_findings_are_in_source_order() -> None:
    source = "from alembic import op\ndef upgrade():\n    op.execute('DELETE FROM b')\n    op.execute('DELETE FROM a')\n"
    assert [f.range.start.line for f in analyse(source)] == [3, 4]
