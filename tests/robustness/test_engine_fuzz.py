"""Fuzzing the engine: no exception escapes, ranges are inside the document and exact in UTF-16.

Bounded profile (conftest.py): a few hundred examples per test. `bench/fuzz_long.py` runs
the same properties on at least 100,000 inputs.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from .properties import analyze, check_expected, check_source, signature
from .strategies import (
    NOISE_CHARS,
    Doc,
    migrations,
    random_sources,
    typed_migrations,
)


@given(migrations())
def test_generated_migrations_keep_every_invariant(doc: Doc) -> None:
    result = check_source(doc.text, doc.calls)
    assert result.error is None, f"a valid migration gave {result.error!r}"
    assert result.is_migration


@given(migrations())
def test_every_generated_data_operation_is_found_and_no_ddl_is(doc: Doc) -> None:
    """Each inserted data operation gets its code on exactly its call; DDL gets none."""
    check_expected(doc.text, doc.expected, analyze(doc.text))


@given(migrations())
def test_bytes_and_text_give_the_same_findings(doc: Doc) -> None:
    """The CLI reads bytes, the server gets text: both must agree, BOM or not."""
    as_text = analyze(doc.text)
    as_bytes = analyze(doc.text.encode("utf-8"))
    assert signature(as_text) == signature(as_bytes)


@given(migrations())
def test_line_endings_do_not_move_findings(doc: Doc) -> None:
    """LF, CRLF and CR spell the same lines: positions must be identical."""
    lines = doc.analysed_text.split(doc.newline)
    lf, crlf, cr = (signature(analyze(nl.join(lines))) for nl in ("\n", "\r\n", "\r"))
    assert lf == crlf
    assert lf == cr


def test_cr_only_line_endings_keep_comments_in_place() -> None:
    src = (
        'revision = "a"\ndown_revision = None\n\ndef upgrade():\n'
        "    # intentionally empty: the change was made by hand\n    pass\n"
    )
    assert analyze(src).findings == []
    assert analyze(src.replace("\n", "\r")).findings == []


@given(migrations())
def test_astral_characters_count_as_one_code_point(doc: Doc) -> None:
    """Replacing each awkward character by one ASCII letter keeps every code-point position.

    Only characters outside string literals the engine reads as SQL are replaced: the noise
    sits in comments and in `ñ = "..."` assignments, so the SQL and the findings are the same.
    """
    text = doc.analysed_text
    plain = text
    for ch in NOISE_CHARS:
        if ch in ("\t", "\x0c"):
            continue
        plain = plain.replace(f"# {ch}", "# " + "x" * len(ch))
    if plain == text:
        return
    assert [(c, r) for c, r, _ in signature(analyze(text))] == [
        (c, r) for c, r, _ in signature(analyze(plain))
    ]


@given(typed_migrations())
def test_half_typed_migrations_never_crash(text: str) -> None:
    check_source(text)


@given(random_sources())
def test_random_input_never_crashes(source: str | bytes) -> None:
    check_source(source)


@given(st.integers(1, 3000), st.sampled_from("([{"))
def test_deep_nesting_is_reported_not_raised(depth: int, bracket: str) -> None:
    close = {"(": ")", "[": "]", "{": "}"}[bracket]
    text = (
        'revision = "a"\ndown_revision = None\n\ndef upgrade():\n'
        f"    x = {bracket * depth}1{close * depth}\n"
    )
    result = check_source(text)
    if result.error:
        assert result.findings[0].code == "DG000"


@given(st.integers(1, 200_000), st.sampled_from(("-", "not ", "~", "1 + ", "x.")))
def test_long_chains_are_reported_not_raised(depth: int, piece: str) -> None:
    text = (
        'revision = "a"\ndown_revision = None\n\ndef upgrade():\n    x = ' + piece * depth + "1\n"
    )
    check_source(text)
