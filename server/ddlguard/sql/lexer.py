"""Statement boundaries from the dialect's real lexer, for text that must be cut exactly.

The fix writes statements into scripts and cuts them out of SQL literals, so a boundary that is
off by one comment loses data (`DELETE FROM users /* a /* b */ -- */ WHERE id = 2` is one
statement: PostgreSQL nests block comments). Boundaries therefore come from libpg_query (the
parser's statement locations, the scanner's tokens for trimming) for PostgreSQL and from
sqlglot's tokenizer for the other dialects, never from a scan of our own. Unlike the
classifier, nothing here falls back: text the lexer rejects raises `LexError`.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from ddlguard.sql import libpg

_PG_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_PG_SEMICOLON = "ASCII_59"
_SQLGLOT_DIALECT = {"mysql": "mysql", "sqlite": "sqlite", "mssql": "tsql", "oracle": "oracle"}


class LexError(ValueError):
    """The dialect's lexer or parser rejects the text: its statements cannot be cut exactly."""


class Token(NamedTuple):
    """One lexical token in character offsets, end exclusive."""

    start: int
    end: int
    name: str  # libpg_query's token name (`IDENT`, `SCONST`, `ASCII_92`) or sqlglot's type


class Span(NamedTuple):
    """One statement: `start`/`end` bound its first and last token (comments around it are
    outside); `stop` is just after its terminating `;`, or `end` when it has none."""

    start: int
    end: int
    stop: int


def is_postgresql(dialect: str) -> bool:
    return (dialect or "postgresql").lower() in ("postgresql", "postgres")


def pg_tokens(sql: str) -> list[Token]:
    """libpg_query's scanner tokens (comments included, as `SQL_COMMENT`/`C_COMMENT`)."""
    parser = libpg.parser()
    try:
        scanned = parser.scan(sql)
    except (parser.ParseError, ValueError) as exc:
        raise LexError(_first_line(exc)) from None
    return [Token(t.start, t.end + 1, t.name) for t in scanned]


def statement_spans(sql: str, dialect: str) -> list[Span]:
    """Every statement of `sql`, in order, as the dialect's lexer bounds it."""
    if is_postgresql(dialect):
        return _pg_spans(sql)
    return _sqlglot_spans(sql, dialect)


def _pg_spans(sql: str) -> list[Span]:
    parser = libpg.parser()
    try:
        stmts: list[dict[str, Any]] = json.loads(parser.parse_sql_json(sql)).get("stmts", [])
    except (parser.ParseError, ValueError, RecursionError) as exc:
        raise LexError(_first_line(exc)) from None
    code = [t for t in pg_tokens(sql) if t.name not in _PG_COMMENTS]
    starts = [t.start for t in code]
    char = _char_offsets(sql)
    spans: list[Span] = []
    for raw in stmts:
        # the parser's locations are UTF-8 byte offsets; its statement ends before the `;`
        location = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        first = char(location)
        last = char(location + length) if length else len(sql)
        i = bisect.bisect_left(starts, first)
        j = bisect.bisect_left(starts, last)
        inside = [t for t in code[i:j] if t.name != _PG_SEMICOLON and t.end <= last]
        if not inside:
            continue
        start, end = inside[0].start, inside[-1].end
        k = bisect.bisect_left(starts, end)
        stop = code[k].end if k < len(code) and code[k].name == _PG_SEMICOLON else end
        spans.append(Span(start, end, stop))
    return spans


def _char_offsets(sql: str) -> Callable[[int], int]:
    """UTF-8 byte offset → character offset in `sql` (the identity for ASCII text)."""
    if sql.isascii():
        return lambda offset: offset
    ends = list(itertools.accumulate(len(c.encode("utf-8", "surrogatepass")) for c in sql))

    def char(offset: int) -> int:
        return bisect.bisect_right(ends, offset)

    return char


@cache
def _sqlglot_dialect(dialect: str) -> Any:
    import sqlglot

    return sqlglot.Dialect.get_or_raise(_SQLGLOT_DIALECT.get(dialect.lower(), ""))


def sqlglot_tokens(sql: str, dialect: str) -> list[Any]:
    """sqlglot's tokens for the dialect (comments are attached to tokens, not tokens)."""
    import sqlglot

    try:
        tokens: list[Any] = _sqlglot_dialect(dialect).tokenize(sql)
    except sqlglot.errors.SqlglotError as exc:
        raise LexError(_first_line(exc)) from None
    return tokens


def _sqlglot_spans(sql: str, dialect: str) -> list[Span]:
    """Statements split at top-level `;` tokens (a routine's `BEGIN … END` body is one)."""
    import sqlglot.tokens

    TokenType: Any = getattr(sqlglot.tokens, "TokenType")  # noqa: B009 (not re-exported)

    spans: list[Span] = []
    first: Any = None
    last: Any = None
    routine = False
    depth = 0
    tokens = sqlglot_tokens(sql, dialect)
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON and depth <= 0:
            if first is not None:
                spans.append(Span(first.start, last.end + 1, token.end + 1))
            first, last, routine, depth = None, None, False, 0
            continue
        if first is None:
            first = token
            routine = token.token_type == TokenType.CREATE
        elif routine and token.token_type in (TokenType.BEGIN, TokenType.CASE):
            depth += 1
        elif routine and depth and token.token_type == TokenType.END:
            after = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
            depth -= after not in ("IF", "LOOP", "WHILE", "REPEAT")
        last = token
    if first is not None:
        spans.append(Span(first.start, last.end + 1, last.end + 1))
    return spans


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
