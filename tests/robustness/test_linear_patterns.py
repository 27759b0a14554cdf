"""Patterns the server runs on a document's text are linear (issue 12 item 8).

`sql_paths` replaced a regex whose backtracking was cubic on a long comment (2,500 characters
froze the server 24 s); it must find exactly what that regex found. The other patterns on
document text (hover's and the quick fix's `# noqa` grammar) are timed on 10,000-character
lines of every character class.
"""

from __future__ import annotations

import re
import time

import pytest
from ddlguard.lsp.hover import noqa_code_at
from ddlguard.lsp.navigation import sql_paths
from ddlguard.lsp.noqa_edit import noqa_edit
from ddlguard.model import Range
from hypothesis import given
from hypothesis import strategies as st

OLD_SQL_PATH = re.compile(r"[\w.@+\-/]*[\w.@+\-]+\.sql\b")  # the cubic one, as an oracle

COMMENTS = st.text(alphabet="as/.ql-@+ é_#x1", max_size=40) | st.lists(
    st.sampled_from(["a", "/", ".sql", "sql", ".", "-", " ", "é", "x.sql", "/.sql", "a.sqlx"]),
    max_size=12,
).map("".join)


@given(COMMENTS)
def test_sql_paths_finds_what_the_regex_found(comment: str) -> None:
    expected = [(m.start(), m.end()) for m in OLD_SQL_PATH.finditer(comment)]
    assert list(sql_paths(comment)) == expected


UNITS = ["a", "7", "_", " ", "\t", "/", ".", "-", "@", "+", "é", "😀", "#", ":", ",", "a/",
         ".sq", "a.sqlb", "# noqa: DG001,", "noqa:", "DG", "DG001 ", "\\", "'", '"', "$$", "/*",
         "--", "%", "{", "[", ";", "(", "\u2028"]  # fmt: skip
LINE = 10_000


def _line(unit: str) -> str:
    return (unit * (LINE // len(unit) + 1))[:LINE]


@pytest.mark.parametrize("unit", UNITS)
def test_document_text_patterns_are_linear(unit: str) -> None:
    line = "# " + _line(unit)
    started = time.monotonic()
    list(sql_paths(line))
    for at in (0, LINE // 2, LINE):
        noqa_code_at(line, at)
    source = f"op.execute('DELETE FROM t')  {line}\n"
    noqa_edit(source, Range.of(1, 0, 1, 27), "DG001")
    assert time.monotonic() - started < 0.5, f"{unit!r}: a pattern backtracked"
