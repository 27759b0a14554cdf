"""The script header: run line, human sentence, how to run, every migration value encoded."""

from __future__ import annotations

import ast
import datetime
import unicodedata

import pytest
from ddlguard.fix.model import NotMovable
from ddlguard.fix.script import (
    RUN_LINE_WINDOW,
    RunLine,
    ScriptBlock,
    comment_text,
    parse_run_line,
    render_script,
    terminate,
    without_directives,
)
from hypothesis import given
from hypothesis import strategies as st

TODAY = datetime.date(2026, 11, 25)


def render(run: RunLine, *, migration: str = "alembic/versions/abc123_x.py", comments=()) -> str:
    return render_script(
        migration=migration,
        today=TODAY,
        run_path="scripts/sql/2026-11-25-x.sql",
        blocks=[ScriptBlock(tuple(comments), ("UPDATE a SET b = 1",))],
        transaction=True,
        run=run,
    )


@pytest.mark.parametrize(
    ("run", "line", "sentence"),
    [
        (RunLine("upgrade", "after", "abc123"), "-- ddlguard-run: upgrade after abc123",
         "once `alembic upgrade` has applied revision abc123:"),
        (RunLine("upgrade", "after", "abc123", "f00d"),
         "-- ddlguard-run: upgrade after abc123 before f00d",
         "applied revision abc123 and before revision f00d is applied:"),
        (RunLine("downgrade", "before", "abc123"), "-- ddlguard-run: downgrade before abc123",
         "just before `alembic downgrade` reverts revision abc123:"),
        (RunLine("downgrade", "after", "abc123"), "-- ddlguard-run: downgrade after abc123",
         "just after `alembic downgrade` has reverted revision abc123:"),
    ],
)  # fmt: skip
def test_every_script_has_one_run_line_and_says_the_same_in_words(
    run: RunLine, line: str, sentence: str
) -> None:
    text = render(run)
    head = text.split("\n")[:RUN_LINE_WINDOW]
    assert run.text() == line
    assert head.count(line) == 1
    assert any(sentence in h for h in head)
    assert parse_run_line(text) == run


def test_header_names_migration_date_why_and_command() -> None:
    text = render(RunLine("upgrade", "after", "abc123"))
    header = text.split("\n\n", 1)[0].split("\n")
    assert header[0] == (
        "-- Data moved out of migration alembic/versions/abc123_x.py (revision abc123, upgrade)"
        " by ddlguard on 2026-11-25."
    )
    assert header[1].startswith("-- Why: ")
    assert (
        header[-1] == '--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/sql/2026-11-25-x.sql'
    )
    assert text.endswith("UPDATE a SET b = 1;\n\nCOMMIT;\n")


@pytest.mark.parametrize(
    "revision",
    ["abc\nDROP TABLE users;\n--", "abc\r\\! id", "a b", "", "x" * 65, "abc\u2028x", "ab;c", "a'b"],
)
def test_unsafe_revision_ids_are_refused_never_written(revision: str) -> None:
    with pytest.raises(NotMovable, match="revision id"):
        RunLine("upgrade", "after", revision)
    with pytest.raises(NotMovable, match="revision id"):
        RunLine("upgrade", "after", "abc", revision)
    with pytest.raises(NotMovable, match="revision id"):
        RunLine("downgrade", "before", revision)


def test_run_lines_that_make_no_sense_are_rejected() -> None:
    with pytest.raises(ValueError):
        RunLine("upgrade", "before", "abc")
    with pytest.raises(ValueError):
        RunLine("downgrade", "before", "abc", "def")


@pytest.mark.parametrize(
    "text",
    [
        "-- nothing here\n",
        "-- ddlguard-run: upgrade after a\n-- ddlguard-run: upgrade after b\n",
        "\n" * RUN_LINE_WINDOW + "-- ddlguard-run: upgrade after a\n",
        "-- ddlguard-run: upgrade before a\n",
        " -- ddlguard-run: upgrade after a\n",
        "-- ddlguard-run: upgrade after a;\n",
    ],
)
def test_parse_run_line_needs_exactly_one_whole_line_in_the_window(text: str) -> None:
    assert parse_run_line(text) is None


def test_parse_run_line_reads_crlf_scripts() -> None:
    assert parse_run_line("-- x\r\n-- ddlguard-run: downgrade after r1\r\n") == RunLine(
        "downgrade", "after", "r1"
    )


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a\nb", "a\\x0ab"),
        ("a\rb", "a\\x0db"),
        ("a\\b", "a\\\\b"),
        ("\u2028\u2029\x85\x1c\x1d\x1e\x0b\x0c", "\\u2028\\u2029\\x85\\x1c\\x1d\\x1e\\x0b\\x0c"),
        ("\u202eevil", "\\u202eevil"),
        ("naïve — ok", "naïve — ok"),
    ],
)
def test_comment_text_escapes_line_breaks_controls_and_backslashes(raw: str, encoded: str) -> None:
    assert comment_text(raw) == encoded


def test_hostile_path_and_comments_stay_inside_their_comment_line() -> None:
    path = "alembic/versions/abc\nDELETE FROM users;\n--.py"
    text = render(
        RunLine("upgrade", "after", "abc"),
        migration=path,
        comments=["ticket 12\n\\! id > /tmp/x", "x\rDROP TABLE users"],
    )
    sql_lines = [line for line in text.splitlines() if line and not line.startswith("--")]
    assert sql_lines == ["BEGIN;", "UPDATE a SET b = 1;", "COMMIT;"]


@pytest.mark.parametrize(
    ("comment", "kept"),
    [
        ("noqa: DG003", ""),
        ("NOQA:DG003,DG005 keep", "keep"),
        ("ticket 12  # noqa: DG005", "ticket 12"),
        ("type: ignore[arg-type]", ""),
        ("fmt: skip", ""),
        ("ticket 12; see #4", "ticket 12; see #4"),
        ("knoqa is a word", "knoqa is a word"),
    ],
)
def test_tool_directives_are_not_copied_into_the_sql(comment: str, kept: str) -> None:
    assert without_directives(comment) == kept
    text = render(RunLine("upgrade", "after", "abc"), comments=[comment])
    body = text.split("BEGIN;\n\n", 1)[1]
    assert ("-- " + kept in body) if kept else body.startswith("UPDATE")
    assert "noqa" not in body.lower() or "knoqa" in body


def test_a_statement_whose_last_line_has_a_comment_marker_ends_on_its_own_line() -> None:
    assert terminate("UPDATE t SET a = '--'") == "UPDATE t SET a = '--'\n;"
    assert terminate("UPDATE t SET a = 1;;") == "UPDATE t SET a = 1;"


@given(st.text())
def test_comment_text_is_one_line_everywhere_and_reversible(value: str) -> None:
    encoded = comment_text(value)
    assert len(f"-- {encoded}".splitlines()) == 1  # every Unicode line break, as editors split
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") for ch in encoded)
    assert ast.literal_eval('"' + encoded.replace('"', '\\"') + '"') == value
