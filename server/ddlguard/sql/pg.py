"""PostgreSQL: libpg_query (through pglast) decides.

The JSON form of the parse tree is used rather than pglast's Python nodes: it is about four
times faster to get (this runs on every keystroke) and plain dicts are easy to walk. Its
locations are UTF-8 byte offsets; `_Text` maps them back to characters.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from ddlguard.lazy_re import LazyPattern
from ddlguard.sql import libpg, plpgsql
from ddlguard.sql.lexer import LexError, pg_tokens
from ddlguard.sql.model import SqlStatement, StatementKind
from ddlguard.sql.placeholders import Substitution, substitute
from ddlguard.sql.tokens import (
    QUALIFIED_NAME,
    classify_tokens,
    ddl_verb,
    split_statements,
    trim_statement,
)

Node = dict[str, Any]

_NAME_RE = re.compile(QUALIFIED_NAME)
_WRITES = {"InsertStmt": "INSERT", "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE",
           "MergeStmt": "MERGE"}  # fmt: skip
_CONTROL = {"TransactionStmt", "VariableSetStmt", "VariableShowStmt", "LockStmt", "VacuumStmt",
            "CheckPointStmt", "DiscardStmt", "ListenStmt", "UnlistenStmt", "NotifyStmt",
            "DeallocateStmt", "LoadStmt", "ConstraintsSetStmt", "PrepareStmt", "ClosePortalStmt",
            "DeclareCursorStmt", "ExplainStmt"}  # fmt: skip
_READS = {"FetchStmt"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SURROGATE = LazyPattern("[\ud800-\udfff]")
_MAX_DEPTH = 8  # DO inside EXECUTE inside DO...: deeper than this is UNKNOWN


class _Text(NamedTuple):
    """The text one parse saw: where it sits in the caller's text, and its placeholders."""

    parsed: str  # the substituted text given to the parser
    base: int  # offset of `parsed` in the text given to classify
    subst: Substitution  # placeholders, in the caller's offsets
    caller_text: str  # the caller's text (for `text` and names as written)

    def char(self, byte_offset: int) -> int:
        """A byte offset reported by libpg_query, as a character offset in the caller's text."""
        if self.parsed.isascii():
            return self.base + byte_offset
        starts, extras = _multibyte(self.parsed)
        i = bisect.bisect_left(starts, byte_offset)  # multi-byte characters wholly before it
        return self.base + byte_offset - (extras[i - 1] if i else 0)


@lru_cache(maxsize=16)
def _multibyte(text: str) -> tuple[list[int], list[int]]:
    """Byte offset of each multi-byte character, and the extra bytes up to and including it.

    Linear once per text, then a bisection per location: a long script with accents in its
    comments must not cost a re-encoding per statement.
    """
    starts: list[int] = []
    extras: list[int] = []
    extra = 0
    for m in _NON_ASCII.finditer(text):
        starts.append(m.start() + extra)
        extra += len(m.group().encode("utf-8")) - 1
        extras.append(extra)
    return starts, extras


def _unwrap(node: Node) -> tuple[str, Node]:
    """{"UpdateStmt": {...}} -> ("UpdateStmt", {...})."""
    ((kind, body),) = node.items()
    return kind, body


def _name(rangevar: Node | None, text: _Text) -> str | None:
    """A RangeVar as written (quotes and schema kept); None when a placeholder stands there."""
    if not rangevar:
        return None
    rangevar = rangevar.get("RangeVar", rangevar)
    start = text.char(rangevar.get("location", 0))
    if 0 <= start - text.base < len(text.parsed):
        m = _NAME_RE.match(text.parsed, start - text.base)
        if m:
            end = text.base + m.end()
            if text.subst.overlaps(start, end):
                return None
            return text.caller_text[start:end]
    parts = [rangevar.get(k) for k in ("catalogname", "schemaname", "relname")]
    return ".".join(p for p in parts if p) or None


def _first_rangevar(value: Any) -> Node | None:
    """The first RangeVar in a subtree (a DDL statement's table, a SELECT's first source)."""
    if isinstance(value, dict):
        if "relname" in value:
            return value
        for item in value.values():
            found = _first_rangevar(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _first_rangevar(item)
            if found is not None:
                return found
    return None


def _writes(kind: str, body: Node, text: _Text) -> list[tuple[str, str | None]]:
    """(verb, table) for every write in the statement, its data-modifying CTEs included."""
    out: list[tuple[str, str | None]] = []
    if kind in _WRITES:
        out.append((_WRITES[kind], _name(body.get("relation"), text)))
    with_clause = body.get("withClause") or {}
    for cte in with_clause.get("ctes", []):
        query = cte.get("CommonTableExpr", {}).get("ctequery")
        if query:
            out.extend(_writes(*_unwrap(query), text))
    for side in ("larg", "rarg"):
        if body.get(side):
            out.extend(_writes("SelectStmt", body[side], text))
    return out


def _tables(names: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))


def _first_word(text: str) -> str:
    words = text.split(None, 1)
    return words[0].upper() if words else "?"


def _classify_node(node: Node, text: _Text, start: int, end: int, depth: int) -> SqlStatement:
    kind, body = _unwrap(node)
    snippet = text.caller_text[start:end]

    def make(
        k: StatementKind, verb: str, tables: tuple[str, ...] = (), locking: bool = False
    ) -> SqlStatement:
        return SqlStatement(k, verb, tables, start, end, snippet, locking, "pglast")

    writes = _writes(kind, body, text)
    if writes:
        return make(StatementKind.DML, writes[0][0], _tables([t for _, t in writes]))
    if kind == "TruncateStmt":
        return make(
            StatementKind.DML,
            "TRUNCATE",
            _tables([_name(r, text) for r in body.get("relations", [])]),
        )
    if kind == "CopyStmt":
        table = _tables([_name(body.get("relation"), text)])
        return make(StatementKind.DML if body.get("is_from") else StatementKind.READ, "COPY", table)
    if kind == "SelectStmt":
        into = body.get("intoClause")
        if into:
            return make(StatementKind.DML, "SELECT INTO", _tables([_name(into.get("rel"), text)]))
        word = _first_word(snippet)
        verb = word if word in ("VALUES", "TABLE") else "SELECT"
        source = _first_rangevar(body.get("fromClause") or body.get("larg") or [])
        locking = bool(body.get("lockingClause"))
        return make(StatementKind.READ, verb, _tables([_name(source, text)]), locking)
    if kind == "CreateTableAsStmt":
        into = body.get("into", {})
        table = _tables([_name(into.get("rel"), text)])
        if body.get("objtype") == "OBJECT_MATVIEW":
            return make(StatementKind.DDL, "CREATE MATERIALIZED VIEW", table)
        return make(
            StatementKind.DDL if into.get("skipData") else StatementKind.DML,
            "CREATE TABLE AS",
            table,
        )
    if kind == "ExplainStmt" and _explain_analyze(body):
        inner = _classify_node(body["query"], text, start, end, depth)
        if inner.kind is StatementKind.DML:
            return inner
    if kind == "DoStmt":
        found = plpgsql.classify_do(body, lambda sql: classify_pg(sql, depth + 1))
        return make(found.kind, "DO", found.tables)
    if kind in ("CallStmt", "ExecuteStmt"):
        return make(StatementKind.UNKNOWN, "CALL" if kind == "CallStmt" else "EXECUTE")
    if kind in _CONTROL:
        return make(StatementKind.CONTROL, _first_word(snippet))
    if kind in _READS:
        return make(StatementKind.READ, _first_word(snippet))
    return make(StatementKind.DDL, ddl_verb(snippet), _tables([_name(_first_rangevar(body), text)]))


def _explain_analyze(body: Node) -> bool:
    """EXPLAIN ANALYZE runs the statement: an EXPLAIN ANALYZE UPDATE updates."""
    for option in body.get("options", []):
        elem = option.get("DefElem", {})
        if elem.get("defname") == "analyze":
            arg = elem.get("arg")
            if arg is None:
                return True
            _, value = _unwrap(arg)
            setting = next(iter(value.values()), True) if value else False
            return str(setting).lower() not in ("false", "off", "0", "no")
    return False


def _parse(sql: str) -> list[Node] | None:
    pg_parser = libpg.parser()
    try:
        stmts: list[Node] = json.loads(pg_parser.parse_sql_json(sql)).get("stmts", [])
    except (pg_parser.ParseError, ValueError, RecursionError):
        return None
    return stmts


def _from_parse(stmts: list[Node], text: _Text, depth: int) -> list[SqlStatement]:
    out: list[SqlStatement] = []
    bounds = _code_bounds(text)
    for raw in stmts:
        location = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        start = text.char(location)
        end = text.char(location + length) if length else text.base + len(text.parsed)
        start, end = bounds(start, end)
        if start < end:
            out.append(_classify_node(raw["stmt"], text, start, end, depth))
    return out


_PG_BLANKS = " \t\n\r\f\v"  # the scanner's `space`


def _strip_blanks(sql: str, start: int, end: int) -> tuple[int, int]:
    while start < end and sql[start] in _PG_BLANKS:
        start += 1
    while end > start and sql[end - 1] in _PG_BLANKS:
        end -= 1
    return start, end


def _code_bounds(text: _Text) -> Callable[[int, int], tuple[int, int]]:
    """Trim a statement to its first and last token, by libpg_query's own scanner.

    Comments around a statement are not part of it (whoever appends `;` must not have it
    commented out), and only the scanner knows where they end: PostgreSQL nests `/* */`.
    """
    if "--" not in text.parsed and "/*" not in text.parsed:
        # no comment at all: what the parser left around a statement is PostgreSQL's blanks
        return lambda start, end: _strip_blanks(text.caller_text, start, end)
    try:
        tokens = [t for t in pg_tokens(text.parsed) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    except LexError:
        return lambda start, end: trim_statement(text.caller_text, start, end)
    starts = [text.base + t.start for t in tokens]

    def bounds(start: int, end: int) -> tuple[int, int]:
        i = bisect.bisect_left(starts, start)
        j = bisect.bisect_left(starts, end)
        inside = [t for t in tokens[i:j] if text.base + t.end <= end and t.name != "ASCII_59"]
        if not inside:
            return start, start
        return text.base + inside[0].start, text.base + inside[-1].end

    return bounds


def classify_pg(sql: str, depth: int = 0) -> list[SqlStatement]:
    """Every statement in `sql`, classified by libpg_query; a statement it rejects by tokens."""
    if depth > _MAX_DEPTH:
        start, end = trim_statement(sql, 0, len(sql))
        return [SqlStatement(StatementKind.UNKNOWN, "?", (), start, end, sql[start:end])]
    # lone surrogates (undecodable bytes) cannot go to libpg_query as UTF-8: same-length stand-in
    subst = substitute(sql if sql.isascii() else _SURROGATE.sub("?", sql), "postgresql")
    for candidate in subst.candidates:
        stmts = _parse(candidate)
        if stmts is not None:
            return _from_parse(stmts, _Text(candidate, 0, subst, sql), depth)
    out: list[SqlStatement] = []
    for start, end in split_statements(sql):
        for candidate in subst.candidates:
            piece = candidate[start:end]
            stmts = _parse(piece)
            if stmts:
                out.extend(_from_parse(stmts, _Text(piece, start, subst, sql), depth))
                break
        else:
            out.append(classify_tokens(sql[start:end], start))
    return out
