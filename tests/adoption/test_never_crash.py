"""The functions the language server calls on every change never raise and give sane ranges."""

from __future__ import annotations

import ast
from pathlib import Path

from ddlguard.data_scripts import analyze_sql_script
from ddlguard.hygiene import check_hygiene, remove_checklist
from ddlguard.positions import split_lines
from ddlguard.settings import Settings
from hypothesis import given, settings
from hypothesis import strategies as st

SQL_PIECES = st.sampled_from(
    [
        "BEGIN;", "COMMIT;", "CREATE TABLE t (id int);", "UPDATE t SET a = 1;", "DROP ",
        "'unterminated", "$$", "$x$ body $x$", "-- c\n", "/* c", "*/", ";", "\r\n", "\r",
        "é😀", "\t", "DO $$ BEGIN CREATE TABLE x(); END $$;", "CREATE TEMP TABLE s AS SELECT 1;",
    ]
)  # fmt: skip
PY_PIECES = st.sampled_from(
    [
        "# ddlguard-checklist\n", "# [ ] item\n", "# end-ddlguard-checklist\n", "\n", "\r\n",
        "\r", "def upgrade():\n    pass\n", "x = '''\n# ddlguard-checklist\n'''\n", "# é😀\n",
        "revision = 'a'\n", "def upgrade():\n    ...  # why\n",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(SQL_PIECES, st.text(max_size=5)), max_size=25).map("".join))
def test_analyze_sql_script_never_raises(text: str) -> None:
    result = analyze_sql_script(text, Path("x.sql"), Settings(), "postgresql")
    lines = split_lines(text.removeprefix("\ufeff"))
    for finding in result.findings:
        start, end = finding.range.start, finding.range.end
        assert start.line >= 1 and start.line <= end.line <= len(lines)
        assert 0 <= start.character <= len(lines[start.line - 1])
        assert 0 <= end.character <= len(lines[end.line - 1])


@settings(max_examples=300, deadline=None)
@given(st.lists(PY_PIECES, max_size=20).map("".join))
def test_hygiene_never_raises_and_the_fix_keeps_valid_python(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    codes = [f.code for f in check_hygiene(tree, source)]
    cleaned = remove_checklist(source)
    ast.parse(cleaned)  # removing comment lines never breaks the module
    assert "DG201" not in [f.code for f in check_hygiene(ast.parse(cleaned), cleaned)]
    assert (cleaned != source) == ("DG201" in codes)
    assert remove_checklist(cleaned) == cleaned
