"""Splitting a migration's SQL string: exact statements, text() unescaping, layout kept."""

from __future__ import annotations

import ast
import difflib
import unicodedata

import pytest
from ddlguard.fix.model import NotMovable
from ddlguard.fix.scope import TreeIndex
from ddlguard.fix.sqltext import (
    Via,
    cut_literal,
    database_text,
    execution_path,
    split_sql,
)
from hypothesis import event, given
from hypothesis import strategies as st


def split(literal: str, dialect: str = "postgresql", via: Via = "text"):  # type: ignore[no-untyped-def]
    return split_sql(ast.literal_eval(literal), dialect, via=via, literal=literal)


# -- what moves is exactly what the database receives ---------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2",
        "UPDATE t SET a = $$ ; -- $$ WHERE b = 1",
        "UPDATE t SET a = $x$ it's ; $x$ WHERE b = 1",
        "UPDATE t SET a = E'it\\'s ; -- no' WHERE b = 1",
        "UPDATE t SET a = 'x' -- comment\n  WHERE b = 1",
        "UPDATE t SET a = 1 /* a */ WHERE /* b /* c */ d */ b = 1",
    ],
)
def test_statements_move_whole_as_the_lexer_bounds_them(sql: str) -> None:
    assert split_sql(sql, "postgresql").moved == (sql,)


def test_comments_around_a_statement_are_trimmed_by_the_lexer() -> None:
    sql = "/* a /* nested */ still */ UPDATE t SET a = 1 -- trailing\n; -- after"
    assert split_sql(sql, "postgresql").moved == ("UPDATE t SET a = 1",)


def test_text_unescaping_is_what_sqlalchemy_sends() -> None:
    sql = "UPDATE users SET note = 'a\\:b', t = '10:30'"
    assert split_sql(sql, "postgresql").moved == ("UPDATE users SET note = 'a:b', t = '10:30'",)


def test_percent_signs_reach_the_database_unchanged_through_text() -> None:
    sql = "DELETE FROM t WHERE name LIKE 'a%' OR name LIKE '%%b'"
    assert split_sql(sql, "postgresql").moved == (sql,)


def test_a_bind_parameter_without_a_value_is_refused() -> None:
    with pytest.raises(NotMovable, match=":note as a bind parameter"):
        split_sql("UPDATE users SET a = 'x :note'", "postgresql")


def test_driver_sql_goes_as_it_is() -> None:
    sql = "UPDATE users SET note = 'a\\:b'"
    assert split_sql(sql, "postgresql", via="driver").moved == (sql,)


@pytest.mark.parametrize("sql", ["DELETE FROM t WHERE a LIKE 'x%%'", "DELETE FROM t WHERE a = %s"])
def test_driver_sql_with_percent_is_refused(sql: str) -> None:
    with pytest.raises(NotMovable, match="paramstyle"):
        split_sql(sql, "postgresql", via="driver")


def test_unknown_path_needs_both_readings_to_agree() -> None:
    assert split_sql("UPDATE t SET a = 1", "postgresql", via="either").moved == (
        "UPDATE t SET a = 1",
    )
    with pytest.raises(NotMovable, match="readings differ"):
        split_sql("UPDATE t SET a = 'x\\:y'", "postgresql", via="either")


def test_database_text_maps_offsets_back_to_the_string() -> None:
    sql = "SELECT 'a\\:b', 'c\\:d'"
    sent, origin = database_text(sql, "text", "postgresql")
    assert sent == "SELECT 'a:b', 'c:d'"
    assert all(sent[i] == sql[origin[i]] for i in range(len(sent)))
    assert origin[-1] == len(sql)


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("UPDATE t SET a = 1 \\! id", "does not parse"),  # PostgreSQL would reject it too
        ("UPDATE t SET a = $$x", "does not parse"),
        ("UPDATE t SET a = 1; SELECT 1", "mixes data changes with SELECT"),
        ("CREATE INDEX i ON t (a)", "no data-changing statement"),
        ("UPDATE t SET a = x.__ddlguard_hole__", "computed at run time"),
    ],
)
def test_what_cannot_be_placed_exactly_is_refused(sql: str, why: str) -> None:
    with pytest.raises(NotMovable, match=why):
        split_sql(sql, "postgresql")


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("UPDATE t SET a = '\\:USER' || \\:USER", "does not parse"),
        ("UPDATE t SET a = arr[1\\:n]", "replace :n"),
    ],
)
def test_what_psql_would_rewrite_is_refused(sql: str, why: str) -> None:
    with pytest.raises(NotMovable, match=why):
        split_sql(sql, "postgresql")


def test_other_dialects_use_sqlglots_tokenizer() -> None:
    sql = "UPDATE t SET a = 'x;y' /* c */ WHERE b = 1; -- tail\nDELETE FROM `u` # c\n"
    assert split_sql(sql, "mysql").moved == (
        "UPDATE t SET a = 'x;y' /* c */ WHERE b = 1",
        "DELETE FROM `u`",
    )


# -- what stays is the original literal with the moved statements cut out -------------------


def test_kept_ddl_keeps_its_layout_not_null_default_and_nested_comments() -> None:
    literal = '''"""
        ALTER TABLE t ADD COLUMN x int /* a /* b */ -- */ NOT NULL DEFAULT 0;
        UPDATE t SET x = 1 /* c /* d */ -- */ WHERE y = 'q;r';
        CREATE INDEX "Ix" ON t (x);
    """'''
    result = split(literal)
    assert result.moved == ("UPDATE t SET x = 1 /* c /* d */ -- */ WHERE y = 'q;r'",)
    assert result.kept == (
        "ALTER TABLE t ADD COLUMN x int /* a /* b */ -- */ NOT NULL DEFAULT 0",
        'CREATE INDEX "Ix" ON t (x)',
    )
    assert (
        result.kept_literal
        == '''"""
        ALTER TABLE t ADD COLUMN x int /* a /* b */ -- */ NOT NULL DEFAULT 0;
        CREATE INDEX "Ix" ON t (x);
    """'''
    )


@pytest.mark.parametrize(
    ("literal", "kept"),
    [
        (
            "'CREATE TABLE a (b int);\\nINSERT INTO a VALUES (1);\\n'",
            "'CREATE TABLE a (b int);\\n'",
        ),
        ("'CREATE TABLE a (b int);  INSERT INTO a VALUES (1)'", "'CREATE TABLE a (b int);'"),
        ("'INSERT INTO a VALUES (1);  CREATE TABLE a (b int)'", "'CREATE TABLE a (b int)'"),
        (
            "'CREATE TABLE a (b int); INSERT INTO a VALUES (1); DROP TABLE c'",
            "'CREATE TABLE a (b int); DROP TABLE c'",
        ),
        (
            "r'''CREATE TABLE a (b text DEFAULT '\\d');\n  UPDATE a SET b = 'x\\:y';\n'''",
            "r'''CREATE TABLE a (b text DEFAULT '\\d');\n'''",
        ),
        (
            "'CREATE TABLE a (b text DEFAULT \\'\\\\d\\');\\tUPDATE a SET b = \\'\\u00e9\\''",
            "'CREATE TABLE a (b text DEFAULT \\'\\\\d\\');'",
        ),
        ('u"CREATE TABLE a (b int);\\\nDELETE FROM a"', 'u"CREATE TABLE a (b int);\\\n"'),
    ],
)
def test_kept_literal_is_cut_in_place(literal: str, kept: str) -> None:
    assert split(literal).kept_literal == kept


def test_crlf_source_is_cut_in_place() -> None:
    literal = '"""CREATE TABLE a (b int);\r\n    DELETE FROM a;\r\n    DROP TABLE c;\r\n"""'
    value = "CREATE TABLE a (b int);\n    DELETE FROM a;\n    DROP TABLE c;\n"
    result = split_sql(value, "postgresql", literal=literal)
    assert result.kept_literal == '"""CREATE TABLE a (b int);\r\n    DROP TABLE c;\r\n"""'


@pytest.mark.parametrize(
    "literal",
    ['"CREATE TABLE a (b int);" "DELETE FROM a"', 'f"CREATE TABLE a (b int); DELETE FROM a"'],
)
def test_literals_that_cannot_be_cut_in_place_are_refused(literal: str) -> None:
    value = "CREATE TABLE a (b int);DELETE FROM a"
    with pytest.raises(NotMovable):
        split_sql(value, "postgresql", literal=literal)


def test_cut_literal_refuses_a_source_that_is_not_the_value() -> None:
    with pytest.raises(NotMovable, match="does not map"):
        cut_literal("'abc'", "abd", [(0, 1)])


# -- how the SQL is executed -----------------------------------------------------------------

MODULE = """
import sqlalchemy as sa
from sqlalchemy import text
from alembic import op

STMT = text("UPDATE t SET a = 1")

def upgrade():
    conn = op.get_bind()
    {call}
"""


@pytest.mark.parametrize(
    ("call", "via"),
    [
        ('op.execute("UPDATE t SET a = 1")', "text"),
        ('conn.execute(sa.text("UPDATE t SET a = 1"))', "text"),
        ("conn.execute(STMT)", "text"),
        ('conn.exec_driver_sql("UPDATE t SET a = 1")', "driver"),
        ('conn.execute("UPDATE t SET a = 1")', "either"),
    ],
)
def test_execution_path_follows_the_call(call: str, via: Via) -> None:
    source = MODULE.format(call=call)
    tree = ast.parse(source)
    index = TreeIndex(tree, source)
    node = next(
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        and n.func.attr in ("execute", "exec_driver_sql")
    )  # fmt: skip
    function, _ = index.enclosing(node)
    assert execution_path(node, index.scope(function)) == via


def test_statements_chosen_to_move_along_are_cut_too() -> None:
    literal = '''"""
        CREATE TEMPORARY TABLE m AS SELECT id FROM users;
        CREATE INDEX ON m (id);
        ALTER TABLE users ADD COLUMN flag bool;
        UPDATE users SET flag = true FROM m WHERE m.id = users.id;
        DROP TABLE m;
    """'''
    value = ast.literal_eval(literal)
    first = split_sql(value, "postgresql")
    assert [s.verb for s in first.statements] == [
        "CREATE TABLE AS", "CREATE INDEX", "ALTER TABLE", "UPDATE", "DROP TABLE",
    ]  # fmt: skip
    result = split_sql(value, "postgresql", literal=literal, move={0, 1, 3, 4})
    assert result.moved[1] == "CREATE INDEX ON m (id)"
    assert result.kept == ("ALTER TABLE users ADD COLUMN flag bool",)
    assert (
        result.kept_literal
        == '''"""
        ALTER TABLE users ADD COLUMN flag bool;
    """'''
    )
    with pytest.raises(ValueError):
        split_sql(value, "postgresql", move={0, 1})  # the UPDATE cannot stay


@st.composite
def spelled(draw: st.DrawFn) -> tuple[str, str]:
    """(value, a Python literal for it) spelled with every kind of escape Python has."""
    value = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    body: list[str] = []
    for ch in value:
        options = [f"\\U{ord(ch):08x}"]
        if ord(ch) <= 0xFFFF:
            options.append(f"\\u{ord(ch):04x}")
        if ord(ch) < 0x100:
            options.append(f"\\x{ord(ch):02x}")
        if unicodedata.name(ch, ""):
            options.append(f"\\N{{{unicodedata.name(ch)}}}")
        plain = ch not in "\\\r" and ch != quote[0] and (len(quote) == 3 or ch != "\n")
        if plain and ord(ch) >= 0x20:
            options.append(ch)
        body.append(draw(st.sampled_from(options)))
        if draw(st.integers(0, 9)) == 0:
            body.append("\\\n")  # a line continuation: no character of the value
    return value, f"{quote}{''.join(body)}{quote}"


@given(spelled(), st.data())
def test_cut_literal_removes_exactly_the_cut_characters(
    case: tuple[str, str], data: st.DataObject
) -> None:
    value, literal = case
    assert ast.literal_eval(literal) == value
    bounds = sorted(data.draw(st.lists(st.integers(0, len(value)), max_size=4)))
    cuts = list(zip(bounds[::2], bounds[1::2], strict=False))
    expected = value
    for begin, end in reversed(cuts):
        expected = expected[:begin] + expected[end:]
    try:
        result = cut_literal(literal, value, cuts)
    except NotMovable:
        event("refused")
        return  # e.g. a quote left next to the closing quotes: refused, never wrong
    event("cut")
    assert ast.literal_eval(result) == expected
    matcher = difflib.SequenceMatcher(None, literal, result, autojunk=False)
    assert sum(block.size for block in matcher.get_matching_blocks()) == len(
        result
    )  # only deletions
