"""Which statements of a static SQL string move (data) and which stay (schema), exactly.

Three promises (docs/threat-model.md, "Generated SQL is a trust boundary"):

- a moved statement is exactly what the database would have received: a string that goes
  through SQLAlchemy's `text()` (what `op.execute` does with a plain string) gets text()'s own
  unescaping (`\\:` → `:`, computed by SQLAlchemy's compiler), a string passed to
  `exec_driver_sql` goes as it is; when that is not certain, the move is refused;
- statements are bounded by the dialect's real lexer (`ddlguard.sql.lexer`), so nested
  comments, dollar quotes and E'' strings never cut one short;
- DDL that stays is the original Python literal with the moved statements cut out (its
  indentation, quotes and comments kept), checked by evaluating the new literal.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from ddlguard.fix.model import NotMovable
from ddlguard.fix.psql import statement_hazard
from ddlguard.fix.scope import Scope
from ddlguard.sql import HOLE, StatementKind, classify_sql
from ddlguard.sql.lexer import LexError, Span, is_postgresql, statement_spans
from ddlguard.sql.placeholders import find_placeholders

Via = Literal["text", "driver", "either"]
_TEXT_CALLS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
_WRAPS_IN_TEXT = frozenset({"alembic.op.execute", "alembic.context.execute"})
_HORIZONTAL = " \t"


@dataclass(frozen=True, slots=True)
class Sent:
    """One statement of the string as the database receives it."""

    kind: StatementKind
    verb: str
    text: str  # bounded by the lexer: no comment or blank around it, no `;`
    span: Span  # where it sits in the text the database receives


@dataclass(frozen=True, slots=True)
class SqlSplit:
    moved: tuple[str, ...]  # DML statement texts as the database receives them, in order
    kept: tuple[str, ...]  # DDL statement texts that stay in the migration, in order
    # the original literal's source with the moved statements cut out, when `literal` was
    # given and something is kept; None otherwise
    kept_literal: str | None = None
    statements: tuple[Sent, ...] = ()  # every statement of the string, in order


def execution_path(call: ast.Call, scope: Scope) -> Via:
    """How the SQL reaches the database: through text(), as is (driver), or either (unknown).

    `op.execute("…")` and `text("…")` go through text(); `exec_driver_sql("…")` does not;
    `conn.execute("…")` with a plain string did not before SQLAlchemy 2.0 and fails since: both
    readings must then agree.
    """
    if isinstance(call.func, ast.Attribute) and call.func.attr == "exec_driver_sql":
        return "driver"
    arg: ast.expr | None = call.args[0] if call.args else None
    if isinstance(arg, ast.Name):
        arg = scope.binding(arg.id)
    if isinstance(arg, ast.Call) and scope.qualname(arg.func) in _TEXT_CALLS:
        return "text"
    if scope.qualname(call.func) in _WRAPS_IN_TEXT:
        return "text"
    return "either"


def database_text(sql: str, via: Via, dialect: str) -> tuple[str, list[int]]:
    """What the database receives for `sql`, and for each of its offsets (and its end) the
    offset in `sql` it came from. NotMovable when that cannot be reproduced exactly."""
    if via == "driver":
        return _as_driver_sends(sql, dialect), list(range(len(sql) + 1))
    through_text, origin = _through_text(sql, dialect)
    if via == "either" and through_text != _as_driver_sends(sql, dialect):
        raise NotMovable(
            "whether the SQL goes through text() depends on the SQLAlchemy version, and the two "
            "readings differ"
        )
    return through_text, origin


def _through_text(sql: str, dialect: str) -> tuple[str, list[int]]:
    """SQLAlchemy's text(): compiled by SQLAlchemy itself; offsets from its own escape pattern."""
    import sqlalchemy as sa
    from sqlalchemy.sql.compiler import BIND_PARAMS_ESC

    from ddlguard.fix.render import dialect_for

    clause = sa.text(sql)
    if clause._bindparams:
        name = next(iter(clause._bindparams))
        raise NotMovable(
            f"SQLAlchemy's text() reads :{name} as a bind parameter, and no value is passed"
        )
    try:
        compiled = str(clause.compile(dialect=dialect_for(dialect)))
    except sa.exc.SQLAlchemyError as exc:
        raise NotMovable(f"SQLAlchemy cannot compile the SQL: {str(exc).splitlines()[0]}") from None
    removed = {m.start() for m in BIND_PARAMS_ESC.finditer(clause.text)}
    origin = [i for i in range(len(sql)) if i not in removed] + [len(sql)]
    rebuilt = "".join(sql[i] for i in origin[:-1])
    if clause.text != sql or rebuilt != compiled:
        raise NotMovable("ddlguard cannot tell exactly what SQLAlchemy's text() sends for this SQL")
    return compiled, origin


def _as_driver_sends(sql: str, dialect: str) -> str:
    """The SQL as a DB-API driver gets it with no parameters; refused where paramstyles differ."""
    if "%" in sql:
        raise NotMovable(
            "the SQL goes to the driver as it is, and whether `%` is doubled depends on the "
            "driver's paramstyle"
        )
    if find_placeholders(sql, "postgresql" if is_postgresql(dialect) else dialect):
        raise NotMovable("the SQL goes to the driver as it is, and it holds a parameter marker")
    return sql


def split_sql(
    sql: str,
    dialect: str,
    *,
    via: Via = "text",
    literal: str | None = None,
    move: Collection[int] | None = None,
) -> SqlSplit:
    """Split for the move. Raises NotMovable when a statement cannot be placed exactly.

    `via` is `execution_path(call, scope)`; `literal` the source of the one string literal the
    SQL came from, when the planner will rewrite it (then `kept_literal` is filled); `move` the
    indices in `statements` of what moves (default: the data statements; data never stays).
    Only DML and DDL are placed: a read, a transaction/session control statement or an
    unreadable statement mixed with data changes could change meaning on either side.
    """
    if HOLE in sql:
        raise NotMovable("part of the SQL is computed at run time")
    sent, origin = database_text(sql, via, dialect)
    try:
        spans = statement_spans(sent, dialect)
    except LexError as exc:
        raise NotMovable(f"the SQL does not parse for {dialect} ({exc})") from None
    statements = tuple(
        Sent(*_classify(sent[s.start : s.end], dialect), sent[s.start : s.end], s) for s in spans
    )
    others = sorted(
        {s.verb for s in statements if s.kind not in (StatementKind.DML, StatementKind.DDL)}
    )
    data = {i for i, s in enumerate(statements) if s.kind is StatementKind.DML}
    if not data:
        raise NotMovable("the SQL holds no data-changing statement")
    if others:
        raise NotMovable(
            f"the SQL mixes data changes with {', '.join(others)}, which ddlguard cannot place"
        )
    chosen = data if move is None else set(move)
    if not data <= chosen or not chosen <= set(range(len(statements))):
        raise ValueError("`move` must hold every data statement and only statement indices")
    moved = tuple(s.text for i, s in enumerate(statements) if i in chosen)
    for statement in moved:
        hazard = statement_hazard(statement, dialect)
        if hazard is not None:
            raise NotMovable(hazard)
    kept = tuple(s.text for i, s in enumerate(statements) if i not in chosen)
    kept_literal = None
    if kept and literal is not None:
        cuts = [_value_cut(sent, s.span, origin) for i, s in enumerate(statements) if i in chosen]
        kept_literal = cut_literal(literal, sql, cuts)
        _check_kept(ast.literal_eval(kept_literal), kept, via, dialect)
    return SqlSplit(moved, kept, kept_literal, statements)


def _classify(statement: str, dialect: str) -> tuple[StatementKind, str]:
    found = classify_sql(statement, dialect)
    if len(found) != 1:
        return StatementKind.UNKNOWN, found[0].verb if found else "?"
    return found[0].kind, found[0].verb


def _value_cut(sent: str, span: Span, origin: Sequence[int]) -> tuple[int, int]:
    """The range of the original string to remove for one moved statement: the statement and
    its `;`, and its whole line when nothing else is on it."""
    start, stop = span.start, span.stop
    line_start = start
    while line_start > 0 and sent[line_start - 1] in _HORIZONTAL:
        line_start -= 1
    stop_at = stop
    while stop_at < len(sent) and sent[stop_at] in _HORIZONTAL:
        stop_at += 1
    alone = line_start == 0 or sent[line_start - 1] == "\n"
    at_line_end = stop_at == len(sent) or sent[stop_at] in "\r\n"
    if alone and at_line_end:  # the whole line, its line end included
        start = line_start
        stop = stop_at + (
            2 if sent.startswith("\r\n", stop_at) else 1 if stop_at < len(sent) else 0
        )
    elif at_line_end:  # the statement and the blanks before it: `A;  B;` → `A;`
        start, stop = line_start, stop_at
    else:  # the statement and the blanks after it: `A;  B;  C;` → `A;  C;`
        stop = stop_at
    end = origin[stop - 1] + 1 if stop > start else origin[start]
    return origin[start], end


def _check_kept(value: str, kept: tuple[str, ...], via: Via, dialect: str) -> None:
    """The rewritten literal sends exactly the kept statements, nothing else."""
    sent, _ = database_text(value, via, dialect)
    try:
        spans = statement_spans(sent, dialect)
    except LexError:
        spans = []
    if tuple(sent[s.start : s.end] for s in spans) != kept:
        raise NotMovable(
            "the schema statements left in the literal would not stay exactly as they were"
        )


# -- cutting a Python string literal --------------------------------------------------------

# one piece of a literal's body: an escape sequence (non-raw strings), a CRLF, or a character
_ESCAPED_PIECE = re.compile(
    r"\\(?:\r\n|N\{[^}\n]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])"
    r"|\r\n?|[\s\S]"
)
_RAW_PIECE = re.compile(r"\r\n?|[\s\S]")


def cut_literal(literal: str, value: str, cuts: Sequence[tuple[int, int]]) -> str:
    """`literal` (the source of one Python string literal whose value is `value`) with the
    characters of `value` in `cuts` removed from its source, everything else byte for byte."""
    prefix, quote, body = _literal_parts(literal)
    raw = "r" in prefix.lower()
    starts: list[int] = []  # for each character of the value, where its source begins
    decoded: list[str] = []
    for piece in (_RAW_PIECE if raw else _ESCAPED_PIECE).finditer(body):
        text = piece.group()
        part = _decode_piece(text, raw)
        if len(part) == len(text):  # an ordinary character, or an escape Python keeps as is
            starts.extend(range(piece.start(), piece.end()))
        elif part:
            starts.append(piece.start())
        decoded.append(part)
    if "".join(decoded) != value:
        raise NotMovable("the SQL literal's source does not map onto its value exactly")
    starts.append(len(body))
    pieces: list[str] = []
    last = 0
    for begin, end in sorted(cuts):
        pieces.append(body[last : starts[begin]])
        last = max(last, starts[end])
    pieces.append(body[last:])
    new = f"{prefix}{quote}{''.join(pieces)}{quote}"
    try:
        result = ast.literal_eval(new)
    except (SyntaxError, ValueError):
        raise NotMovable("the SQL literal cannot be cut without changing its quoting") from None
    expected = "".join(value[last_end:begin] for last_end, begin in _gaps(cuts, len(value)))
    if result != expected:
        raise NotMovable("the SQL literal cannot be cut without changing its quoting")
    return new


def _decode_piece(text: str, raw: bool) -> str:
    """The value of one piece of a literal's body, as Python decodes it."""
    if text in ("\r\n", "\r"):
        return "\n"  # Python reads every line end of a source file as `\n`
    if raw or not text.startswith("\\"):
        return text
    if text[1:] in ("\r\n", "\r", "\n"):
        return ""  # a backslash before a line end continues the line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `\d` is kept as is, with a warning we don't print
        value = ast.literal_eval(f'"{text}"')
    return value if isinstance(value, str) else text


def _gaps(cuts: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    gaps, last = [], 0
    for begin, end in sorted(cuts):
        gaps.append((last, begin))
        last = max(last, end)
    gaps.append((last, length))
    return gaps


def _literal_parts(literal: str) -> tuple[str, str, str]:
    """(prefix, quote, body) of a single string literal; NotMovable for anything else."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(literal).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, SyntaxError):
        tokens = []
    if len(tokens) != 1 or tokens[0].type != tokenize.STRING or tokens[0].string != literal:
        raise NotMovable("the SQL is not one plain string literal, so it cannot be cut in place")
    head = len(literal) - len(literal.lstrip("rRuUbBfF"))
    prefix, rest = literal[:head], literal[head:]
    if any(c in prefix.lower() for c in "bf"):
        raise NotMovable("the SQL literal is not a plain string")
    quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
    return prefix, quote, rest[len(quote) : len(rest) - len(quote)]
