"""Every offered fix keeps the no-data-loss invariants (design section 7).

The migration after the fix parses; every statement moved is in a new script; no existing
file is overwritten and no script lands outside the project root; the edits reproduce the
new text; schema operations stay; and fixing the fixed file again changes nothing.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .fix_properties import check_fix, plan_fix
from .properties import analyze
from .strategies import Doc, migrations, typed_migrations


@given(migrations())
def test_fixes_of_generated_migrations_keep_the_invariants(doc: Doc) -> None:
    check_fix(doc.text)


@given(typed_migrations())
def test_fixes_of_half_typed_migrations_keep_the_invariants(text: str) -> None:
    check_fix(text)


@given(st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_known_move_lands_in_the_script(newline: str, bom: bool) -> None:
    source = (
        '"""backfill"""\nfrom alembic import op\n\nrevision = "a1"\ndown_revision = None\n\n'
        'def upgrade():\n    op.add_column("users", sa.Column("x", sa.Integer()))\n'
        '    op.execute("UPDATE users SET x = 1 WHERE id > 0")  # é😀\n\n'
        "def downgrade():\n    pass\n"
    ).replace("\n", newline)
    source = ("\ufeff" if bom else "") + source
    plan = plan_fix(source, analyze(source), set())
    assert [m.finding.code for m in plan.moved] == ["DG001"]
    assert "UPDATE users SET x = 1 WHERE id > 0" in plan.new_files[0].content
    assert "UPDATE users" not in plan.new_source
    assert 'op.add_column("users"' in plan.new_source
    check_fix(source)


@pytest.mark.slow
def test_moving_1000_statements_takes_seconds_not_minutes() -> None:
    body = "\n".join(f'    op.execute("UPDATE t{i} SET a = 1")' for i in range(1000))
    source = (
        '"""many"""\nfrom alembic import op\n\nrevision = "1"\ndown_revision = None\n\n'
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )
    result = analyze(source)
    assert len(result.findings) == 1000
    started = time.monotonic()
    plan = plan_fix(source, result, set())
    elapsed = time.monotonic() - started
    assert len(plan.moved) == 1000
    assert elapsed < 8.0, f"{elapsed:.1f} s"
