"""When a data operation may be moved to scripts/sql: only when the script would run exactly it, once."""

from __future__ import annotations

import pytest
from ddlguard.model import Applicability

from .helpers import analyse, only

STMT = 'op.execute("UPDATE users SET x = 1")'


def reason(source: str) -> str | None:
    finding = only(source)
    assert finding.fix is not None
    if finding.fix.applicability is Applicability.UNSAFE:
        assert finding.data["movable"] is True
        return None
    assert finding.data["movable"] is False
    return finding.fix.reason


def test_top_level_of_upgrade_is_movable() -> None:
    assert reason(f"from alembic import op\ndef upgrade():\n    {STMT}\n") is None


@pytest.mark.parametrize(
    "block",
    [
        "if op.get_bind().dialect.name == 'postgresql':\n        {s}",
        "for _ in range(3):\n        {s}",
        "while False:\n        {s}",
        "try:\n        pass\n    except Exception:\n        {s}",
    ],
    ids=["if", "for", "while", "except"],
)
def test_conditional_or_repeated_is_not_movable(block: str) -> None:
    body = block.format(s=STMT)
    assert (
        reason(f"from alembic import op\ndef upgrade():\n    {body}\n")
        == "it runs conditionally or in a loop"
    )


@pytest.mark.parametrize(
    "block",
    [
        "with op.get_context().autocommit_block():\n        {s}",
        "try:\n        {s}\n    finally:\n        pass",
    ],
)
def test_with_and_try_bodies_run_once(block: str) -> None:
    assert reason(f"from alembic import op\ndef upgrade():\n    {block.format(s=STMT)}\n") is None


def test_helper_called_once_is_movable() -> None:
    source = f"from alembic import op\ndef _fill():\n    {STMT}\ndef upgrade():\n    _fill()\n"
    assert reason(source) is None


def test_helper_called_twice_is_not_movable() -> None:
    source = f"from alembic import op\ndef _fill():\n    {STMT}\ndef upgrade():\n    _fill()\n    _fill()\n"
    assert reason(source) == "its function is called from several places"


def test_helper_called_in_a_loop_is_not_movable() -> None:
    source = f"from alembic import op\ndef _fill():\n    {STMT}\ndef upgrade():\n    for _ in range(2):\n        _fill()\n"
    assert reason(source) == "it runs conditionally or in a loop"


def test_code_outside_upgrade_and_downgrade_is_not_movable() -> None:
    source = f"from alembic import op\ndef _unused():\n    {STMT}\ndef upgrade():\n    pass\n"
    assert reason(source) == "it does not run in upgrade() or downgrade()"


def test_assigned_result_is_not_movable() -> None:
    source = (
        'from alembic import op\ndef upgrade():\n    r = op.execute("UPDATE users SET x = 1")\n'
    )
    assert reason(source) == "its result is used"


def test_deeply_nested_concatenation_is_dg006_not_a_crash() -> None:
    terms = " + ".join(["'UPDATE t SET x = 1'"] * 1500)
    found = analyse(f"from alembic import op\ndef upgrade():\n    op.execute({terms})\n")
    assert [f.code for f in found] == ["DG006"]
    assert found[0].message == "SQL that cannot be read statically (too deeply nested) in upgrade()"
