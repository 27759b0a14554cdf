"""`classify_sql` on SQL-shaped noise: it never raises, and every statement's offsets point
into the text it was given (the fix moves SQL verbatim by these offsets)."""

from __future__ import annotations

from ddlguard.sql import HOLE, classify_sql
from hypothesis import given
from hypothesis import strategies as st

PIECES = ["UPDATE", "INSERT INTO", "DELETE FROM", "SELECT", "CREATE TABLE", "ALTER TABLE",
          "DO", "$$", "$x$", "BEGIN", "END", "WITH", "AS", "(", ")", ";", " ", "\n", "\t",
          "'", "''", '"', "E'\\''", "--", "/*", "*/", "t", "users", "SET", "a = 1", "VALUES",
          "%s", "%(name)s", ":name", "?", "{}", "{x}", HOLE, "é", "😀", "\x00", "COPY", "FROM",
          "stdin", "MERGE", "TRUNCATE", "INTO", "RETURNING", "EXECUTE", "format("]  # fmt: skip

sql_soup = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join)


@given(
    st.one_of(sql_soup, st.text(max_size=200)),
    st.sampled_from(["postgresql", "mysql", "sqlite", "generic"]),
)
def test_classify_never_raises_and_offsets_are_exact(sql: str, dialect: str) -> None:
    statements = classify_sql(sql, dialect)
    previous_end = 0
    for s in statements:
        assert 0 <= s.start <= s.end <= len(sql), (s.start, s.end, len(sql))
        assert s.start >= previous_end, "statements overlap or are out of order"
        assert s.text == sql[s.start : s.end].strip(), (s.text, sql[s.start : s.end])
        assert s.verb == s.verb.upper()
        previous_end = s.end
