"""Hand-picked hostile inputs for the engine, each a case the fuzzers reach only by luck."""

from __future__ import annotations

import warnings

import pytest

from .properties import analyze, check_source

HEAD = 'revision = "a"\ndown_revision = None\n\ndef upgrade():\n'


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\ufeff",
        b"\xef\xbb\xbf",
        "\n\r\n\r",
        HEAD + "    x = '\ud800'\n",  # a lone surrogate (an editor can send one)
        HEAD + "    x = 1\x00\n",
        HEAD.encode() + b"    x = '\xff'\n",
        b"# -*- coding: latin-1 -*-\n" + HEAD.encode() + b"    x = '\xe9'\n",
        HEAD + "    op.execute(" + "(" * 1000 + '"UPDATE t SET a = 1"' + ")" * 1001 + "\n",
        HEAD + "    x = " + "-" * 100_000 + "1\n",
        HEAD + "    x = " + "1 + " * 100_000 + "1\n",
        HEAD + "    x = '" + "é😀" * 200_000 + "'\n",  # one very long line
        HEAD + "    op.execute('UPDATE t SET a = 1'",  # unclosed at end of file
        HEAD + '    op.execute("""UPDATE t SET a = 1',  # unterminated triple quote
        HEAD + "\top.execute('x')\n        pass\n",  # inconsistent tabs and spaces
    ],
    ids=lambda s: repr(s[:12]) + f"+{len(s)}",
)
def test_hostile_sources_give_a_result(source: str | bytes) -> None:
    check_source(source)


def test_syntax_error_is_one_dg000_with_a_position_inside_the_document() -> None:
    result = check_source(HEAD + "    op.execute('UPDATE t SET a = 1'\n")
    assert [f.code for f in result.findings] == ["DG000"]
    assert result.error and result.error.startswith("syntax error")


def test_the_users_code_raises_no_warning_on_our_stderr() -> None:
    """`x is 1` and `"\\d"` make the compiler warn: a check run must stay quiet."""
    source = HEAD + '    if revision is 1:\n        pattern = "\\d+"\n'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analyze(source)
    assert [str(w.message) for w in caught] == []
