"""`# noqa` and `# ddlguard: noqa` (DESIGN.md 3), and the report of unused ones."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from ddlguard.analysis.noqa import UNUSED_NOQA_CODE, apply_noqa, parse_directives, unused_noqa
from ddlguard.engine import analyze_source
from ddlguard.model import Finding
from ddlguard.settings import Settings

from .helpers import analyse

HEAD = "import sqlalchemy as sa\nfrom alembic import op\ndef upgrade():\n"


def body(*lines: str) -> str:
    return HEAD + "".join(f"    {line}\n" for line in lines)


@pytest.mark.parametrize(
    "comment",
    ["# noqa", "# noqa: DG001", "#noqa:DG001", "# NOQA: dg001", "# noqa: DG005, DG001", "# noqa: DG005 DG001",
     "# type: ignore  # noqa: DG001"],
)  # fmt: skip
def test_suppressing_forms(comment: str) -> None:
    assert analyse(body(f'op.execute("DELETE FROM a")  {comment}')) == []


@pytest.mark.parametrize(
    "comment", ["# noqa: DG005", "# noqa: E501", "# noqa:DG0011", "# not noqa-ish"]
)
def test_other_codes_do_not_suppress(comment: str) -> None:
    assert [f.code for f in analyse(body(f'op.execute("DELETE FROM a")  {comment}'))] == ["DG001"]


def test_noqa_in_a_string_literal_does_not_count() -> None:
    source = body('op.execute("DELETE FROM a -- # noqa")')
    assert [f.code for f in analyse(source)] == ["DG001"]


def test_multi_line_statement_first_or_last_line() -> None:
    first = body("op.execute(  # noqa: DG001", '    """DELETE FROM a"""', ")")
    last = body("op.execute(", '    """DELETE FROM a"""', ")  # noqa: DG001")
    middle = body("op.execute(", '    "DELETE FROM a",  # noqa: DG001', ")")
    assert analyse(first) == [] and analyse(last) == []
    assert [f.code for f in analyse(middle)] == ["DG001"]


def test_multi_line_string_noqa_where_the_statement_ends() -> None:
    source = body('op.execute("""', "DELETE FROM a", '""")  # noqa: DG001')
    assert analyse(source) == []


def test_noqa_suppresses_only_its_statement() -> None:
    source = body('op.execute("DELETE FROM a")  # noqa', 'op.execute("DELETE FROM b")')
    assert [f.message for f in analyse(source)] == ["DELETE on b in upgrade()"]


FILE_NOQA = '"""message\n\nRevision ID: a1\n"""\n# ddlguard: noqa\nfrom alembic import op\ndef upgrade():\n    op.execute("DELETE FROM a")\n'


def test_file_level_after_the_docstring() -> None:
    assert analyse(FILE_NOQA) == []


def test_file_level_on_the_first_line_with_codes() -> None:
    source = '# ddlguard: noqa: DG005\nimport sqlalchemy as sa\nfrom alembic import op\ndef upgrade():\n    op.execute("DELETE FROM a")\n    x = op.get_bind().scalar(sa.text("SELECT 1"))\n'
    assert [f.code for f in analyse(source)] == ["DG001"]


def test_file_level_after_code_does_not_count() -> None:
    source = 'from alembic import op\n# ddlguard: noqa\ndef upgrade():\n    op.execute("DELETE FROM a")\n'
    assert [f.code for f in analyse(source)] == ["DG001"]


def test_trailing_file_level_comment_does_not_count() -> None:
    source = 'x = 1  # ddlguard: noqa\nfrom alembic import op\ndef upgrade():\n    op.execute("DELETE FROM a")\n'
    assert [f.code for f in analyse(source)] == ["DG001"]


def _raw(source: str) -> list[Finding]:
    """Findings before suppression: the engine with every noqa comment stripped out."""
    stripped = source.replace("# noqa", "#").replace("# ddlguard: noqa", "#")
    return analyze_source(stripped, Path("m.py"), Settings(), in_version_dir=True).findings


def test_unused_and_unknown_suppressions_are_reported() -> None:
    source = body(
        'op.execute("DELETE FROM a")  # noqa: DG001, DG005',
        'op.execute("ALTER TABLE a ADD b int")  # noqa: DG001',
        'op.execute("ALTER TABLE a ADD c int")  # noqa: DG999, E501',
        'op.execute("ALTER TABLE a ADD d int")  # noqa',
    )
    problems = unused_noqa(_raw(source), source)
    assert [(p.code, p.range.start.line, p.message) for p in problems] == [
        (UNUSED_NOQA_CODE, 4, "unused suppression `# noqa: DG005`: no DG005 finding here"),
        (UNUSED_NOQA_CODE, 5, "unused suppression `# noqa: DG001`: no DG001 finding here"),
        (UNUSED_NOQA_CODE, 6, "unknown rule code DG999 in `# noqa`"),
    ]
    line = source.splitlines()[3]
    start, end = problems[0].range.start.character, problems[0].range.end.character
    assert line[start:end] == "# noqa: DG001, DG005"


def test_unused_file_level_and_misplaced_file_level() -> None:
    clean = (
        "# ddlguard: noqa\nfrom alembic import op\ndef upgrade():\n    op.add_column('a', None)\n"
    )
    assert [p.message for p in unused_noqa([], clean)] == [
        "unused suppression `# ddlguard: noqa`: nothing to suppress"
    ]
    late = "from alembic import op\n# ddlguard: noqa\n"
    assert [p.range.start.line for p in unused_noqa([], late)] == [2]


def test_used_file_level_is_not_reported() -> None:
    assert unused_noqa(_raw(FILE_NOQA), FILE_NOQA) == []


def test_no_noqa_text_skips_tokenizing() -> None:
    found = parse_directives("x = 1\n")
    assert found.file_level is None and found.by_line == {}


def test_apply_noqa_keeps_findings_when_there_is_no_comment() -> None:
    source = textwrap.dedent(body('op.execute("DELETE FROM a")'))
    raw = _raw(source)
    assert apply_noqa(raw, source) == raw and raw


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings(newline: str) -> None:
    lines = ["from alembic import op", "def upgrade():", '    op.execute("DELETE FROM a")  # noqa: DG001',
             '    op.execute("DELETE FROM b")']  # fmt: skip
    found = analyse(newline.join(lines) + newline, dedent=False)
    assert [(f.code, f.range.start.line) for f in found] == [("DG001", 4)]
