"""`ddlguard.positions` against Python's own codecs, on any text (astral, lone surrogates)."""

from __future__ import annotations

import re

from ddlguard.positions import (
    codepoints_to_utf16,
    split_lines,
    utf8_to_codepoints,
    utf16_to_codepoints,
)
from hypothesis import given
from hypothesis import strategies as st

# Text with the awkward cases drawn often: astral, BMP non-ASCII, lone surrogates.
lines = st.text(
    st.one_of(
        st.characters(codec=None, exclude_characters="\r\n"),
        st.sampled_from(["😀", "é", "中", "\ud800", "\udfff", "\u2028", "\t"]),
    ),
    max_size=40,
)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@given(lines, st.data())
def test_utf8_offsets_at_character_boundaries_are_exact(line: str, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(line)))
    assert utf8_to_codepoints(line, len(_utf8(line[:k]))) == k


@given(lines, st.integers(-5, 200))
def test_utf8_offsets_anywhere_are_clamped_and_floor(line: str, byte_col: int) -> None:
    col = utf8_to_codepoints(line, byte_col)
    assert 0 <= col <= len(line)
    assert len(_utf8(line[:col])) <= max(byte_col, 0)
    if col < len(line):
        assert len(_utf8(line[: col + 1])) > byte_col


@given(lines, st.data())
def test_utf16_round_trip(line: str, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(line)))
    units = codepoints_to_utf16(line, k)
    assert units == len(line[:k].encode("utf-16-le", "surrogatepass")) // 2
    assert utf16_to_codepoints(line, units) == k


@given(lines, st.integers(0, 100))
def test_utf16_inside_a_pair_lands_on_a_neighbouring_character(line: str, units: int) -> None:
    col = utf16_to_codepoints(line, units)
    assert 0 <= col <= len(line)
    before = codepoints_to_utf16(line, col)
    assert before >= min(units, codepoints_to_utf16(line, len(line)))
    assert col == 0 or codepoints_to_utf16(line, col - 1) < units


@given(
    st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "\u2028", "\x0c", "😀"])).map("".join)
)
def test_lines_split_as_lsp_and_python_do(text: str) -> None:
    """Only \\n, \\r\\n and \\r end a line; \\u2028 and form feed do not."""
    assert split_lines(text) == re.split("\r\n|\r|\n", text)
