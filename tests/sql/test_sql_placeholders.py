"""Placeholders never defeat the parser, and offsets stay those of the text given."""

from __future__ import annotations

import pytest
from ddlguard.sql import HOLE, StatementKind
from ddlguard.sql.placeholders import find_placeholders, scan_placeholders, substitute
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import classify, only

FORMS = ["%s", "%(user_id)s", ":user_id", "?", "$1", "{}", "{0}", "{user_id}", "{uid!r}", HOLE]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
@pytest.mark.parametrize("marker", FORMS)
def test_value_placeholder(marker: str, dialect: str) -> None:
    sql = f"UPDATE users SET name = {marker} WHERE id = {marker}"
    s = only(sql, dialect)
    assert (s.kind, s.verb, s.tables) == (StatementKind.DML, "UPDATE", ("users",))
    assert s.parser != "tokens"
    assert s.text == sql


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
@pytest.mark.parametrize("marker", ["{}", "{table}", HOLE, "%s"])
def test_table_placeholder_parses_but_names_no_table(marker: str, dialect: str) -> None:
    s = only(f"DELETE FROM {marker} WHERE id = 1", dialect)
    assert (s.kind, s.verb, s.tables) == (StatementKind.DML, "DELETE", ())
    assert s.parser != "tokens"


@pytest.mark.parametrize("marker", ["{schema}", HOLE])
def test_schema_placeholder(marker: str) -> None:
    s = only(f"UPDATE {marker}.users SET a = 1")
    assert (s.kind, s.tables, s.parser) == (StatementKind.DML, (), "pglast")


@pytest.mark.parametrize("marker", ["%s", ":comment", "{}", HOLE])
def test_placeholder_where_only_a_literal_is_allowed(marker: str) -> None:
    s = only(f"COMMENT ON TABLE t IS {marker}")
    assert (s.kind, s.verb, s.parser) == (StatementKind.DDL, "COMMENT", "pglast")


def test_placeholder_where_the_verb_goes_is_unknown() -> None:
    s = only(f"{HOLE} FROM users")
    assert (s.kind, s.verb) == (StatementKind.UNKNOWN, "?")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a::int, b::text[] FROM t WHERE c = :c",  # casts are not :name
        "SELECT arr[1:n] FROM t",  # nor array slices
        "SELECT data ? 'key' FROM t",  # the jsonb operator in PostgreSQL
        "SELECT '%s', '{x}', ':y' FROM t",  # markers in strings are text
        "SELECT 1 FROM t WHERE a LIKE 'x%%'",
    ],
)
def test_postgresql_syntax_that_looks_like_placeholders(sql: str) -> None:
    s = only(sql)
    assert (s.kind, s.parser) == (StatementKind.READ, "pglast")


def test_markers_inside_quotes_and_comments_are_not_placeholders() -> None:
    sql = "SELECT '%s', \"{x}\", $$ :y $$ -- {z}\n /* ? */ FROM t WHERE a = %s AND b::int = 1"
    spans = find_placeholders(sql, "postgresql")
    assert [sql[s:e] for s, e in spans] == ["%s"]


def test_mysql_backslash_escapes_and_hash_comments() -> None:
    sql = "SELECT 'it\\'s {a}' # {b}\nFROM t WHERE x = {c}"
    assert [sql[s:e] for s, e in find_placeholders(sql, "mysql")] == ["{c}"]


def test_substitutes_keep_the_length() -> None:
    sql = "INSERT INTO t VALUES (%s, %(b)s, :c, ?, $1, {}, {name})"
    result = substitute(sql, "postgresql")
    assert len(result.candidates) == 3
    assert all(len(c) == len(sql) for c in result.candidates)
    assert result.candidates[-1] == sql


def test_offsets_with_placeholders_across_statements() -> None:
    sql = "UPDATE a SET x = %(x)s; -- {note}\nDELETE FROM b WHERE id = :id; ALTER TABLE c ADD d int"
    statements = classify(sql)
    assert [s.verb for s in statements] == ["UPDATE", "DELETE", "ALTER TABLE"]
    assert statements[1].text == "DELETE FROM b WHERE id = :id"


VALUE_STATEMENTS = [
    ("UPDATE t SET a = 1 WHERE b = 1", "UPDATE"),
    ("INSERT INTO t (a, b) VALUES (1, 1) ON CONFLICT (a) DO UPDATE SET b = 1", "INSERT"),
    ("DELETE FROM t WHERE a IN (1, 1) AND b > 1", "DELETE"),
    ("WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x LIMIT 1", "UPDATE"),
    ("SELECT * FROM t WHERE a = 1 FOR UPDATE", "SELECT"),
    ("ALTER TABLE t ALTER COLUMN a SET DEFAULT 1", "ALTER TABLE"),
]


@pytest.mark.parametrize("marker", FORMS)
@pytest.mark.parametrize(("template", "verb"), VALUE_STATEMENTS)
def test_every_value_form_keeps_the_classification(template: str, verb: str, marker: str) -> None:
    """Whatever a value is written as, the statement is what it was with plain literals."""
    plain = only(template)
    s = only(template.replace("1", marker))
    assert (s.kind, s.verb, s.tables, s.locking) == (plain.kind, verb, plain.tables, plain.locking)
    assert s.parser == "pglast"


# pieces that start or stop a placeholder, a quote or a comment, and plain SQL between them
PIECES = st.sampled_from(
    ["%s", "%(", ")s", "%%", ":", "::", "?", "$", "$1", "$$", "$t$", "{", "}", "'", '"', "`",
     "--", "/*", "*/", "\\", "\n", " ", "UPDATE t SET a = ", "x", "1", HOLE, "E'", "#", "["]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(PIECES, max_size=14), dialect=st.sampled_from(["postgresql", "mysql"]))
def test_the_shortcut_never_hides_a_placeholder(parts: list[str], dialect: str) -> None:
    """Text without any character a placeholder starts with is not scanned at all."""
    sql = "".join(parts)
    assert find_placeholders(sql, dialect) == scan_placeholders(sql, dialect)
