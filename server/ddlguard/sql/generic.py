"""MySQL, SQLite, SQL Server, Oracle and generic SQL: sqlglot decides.

sqlglot is imported on first use: it takes tens of milliseconds to import and PostgreSQL
projects never need it. Its tokenizer splits statements (it knows each dialect's quoting and
comments); each statement is parsed on its own so one it rejects falls back to tokens alone.
When sqlglot gives up on a statement it returns a `Command` (the verb and the raw rest): that
is read by tokens too, and marked so.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from ddlguard.sql.model import SqlStatement, StatementKind
from ddlguard.sql.placeholders import Substitution, substitute
from ddlguard.sql.tokens import classify_tokens, ddl_verb, split_statements, trim_statement

if TYPE_CHECKING:
    import logging

_SQLGLOT_DIALECT = {"mysql": "mysql", "sqlite": "sqlite", "mssql": "tsql", "oracle": "oracle"}


def _not_a_fallback(record: logging.LogRecord) -> bool:
    """sqlglot logs a warning each time it falls back to a Command: expected here, not news."""
    return "Falling back to parsing as a 'Command'" not in record.getMessage()


@cache
def _sqlglot() -> Any:
    import logging  # with sqlglot, which imports it anyway: not on PostgreSQL runs

    import sqlglot
    from sqlglot import exp

    logging.getLogger("sqlglot").addFilter(_not_a_fallback)
    return sqlglot, exp


@cache
def _dialect(dialect: str) -> Any:
    sqlglot, _ = _sqlglot()
    return sqlglot.Dialect.get_or_raise(_SQLGLOT_DIALECT.get(dialect, ""))


_Span = tuple[int, int, list[Any] | None]  # start, end, the first candidate's tokens there


def _spans(sql: str, dialect: str, subst: Substitution) -> list[_Span]:
    """Statement spans from the dialect's tokenizer; our splitter when it fails."""
    sqlglot, _ = _sqlglot()
    try:
        tokens = _dialect(dialect).tokenize(subst.candidates[0])
    except sqlglot.errors.SqlglotError:
        return [(s, e, None) for s, e in split_statements(sql)]
    kinds = sqlglot.tokens.TokenType
    spans: list[tuple[int, int, list[Any]]] = []
    chunk: list[Any] = []
    first: int | None = None
    last = 0
    routine = False  # inside CREATE TRIGGER/PROCEDURE/FUNCTION ... BEGIN ... END
    depth = 0  # open BEGIN and CASE blocks in such a body
    for i, token in enumerate(tokens):
        if token.token_type == kinds.SEMICOLON and depth <= 0:
            if first is not None:
                spans.append((first, last, chunk))
            first, routine, depth, chunk = None, False, 0, []
            continue
        chunk.append(token)
        if first is None:
            first = token.start
            routine = token.token_type == kinds.CREATE
        elif routine and token.token_type in (kinds.BEGIN, kinds.CASE):
            depth += 1
        elif routine and depth and token.token_type == kinds.END:
            after = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
            depth -= after not in ("IF", "LOOP", "WHILE", "REPEAT")
        last = token.end + 1
    if first is not None:
        spans.append((first, last, chunk))
    trimmed = [(*trim_statement(sql, s, e), chunk) for s, e, chunk in spans]
    return [(s, e, chunk) for s, e, chunk in trimmed if s < e]


def _table(node: Any, start: int, sql: str, subst: Substitution) -> str | None:
    """A table as written (quotes and schema kept), from its identifiers' positions."""
    _, exp = _sqlglot()
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        return None
    parts = [p for p in (node.args.get(k) for k in ("catalog", "db", "this")) if p is not None]
    metas = [p.meta for p in parts if isinstance(p, exp.Identifier) and "start" in p.meta]
    if metas and len(metas) == len(parts):
        begin = start + min(m["start"] for m in metas)
        end = start + max(m["end"] for m in metas) + 1
        return None if subst.overlaps(begin, end) else sql[begin:end]
    return ".".join(p.name for p in parts) or None


def _classify(
    tree: Any, start: int, end: int, base: int, sql: str, subst: Substitution
) -> SqlStatement:
    """One statement; `base` is where the text sqlglot parsed starts (its positions' origin)."""
    _, exp = _sqlglot()
    text = sql[start:end]

    def make(
        kind: StatementKind,
        verb: str,
        tables: list[str | None] | None = None,
        locking: bool = False,
    ) -> SqlStatement:
        names = tuple(dict.fromkeys(t for t in tables or [] if t))
        return SqlStatement(kind, verb, names, start, end, text, locking, "sqlglot")

    def table(node: Any) -> str | None:
        return _table(node, base, sql, subst)

    if isinstance(tree, exp.Command):
        return classify_tokens(text, start)
    if isinstance(tree, exp.Insert):
        verb = "REPLACE" if text.lstrip()[:7].upper() == "REPLACE" else "INSERT"
        return make(StatementKind.DML, verb, [table(tree.this)])
    if isinstance(tree, exp.Update):
        return make(StatementKind.DML, "UPDATE", [table(tree.this)])
    if isinstance(tree, exp.Delete):
        targets = tree.args.get("tables") or [tree.this]
        return make(StatementKind.DML, "DELETE", [table(t) for t in targets])
    if isinstance(tree, exp.Merge):
        return make(StatementKind.DML, "MERGE", [table(tree.this)])
    if isinstance(tree, exp.TruncateTable):
        return make(StatementKind.DML, "TRUNCATE", [table(t) for t in tree.expressions])
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind == "TABLE" and isinstance(tree.expression, exp.Query):
            return make(StatementKind.DML, "CREATE TABLE AS", [table(tree.this)])
        return make(StatementKind.DDL, ddl_verb(text), [table(tree.this)])
    if isinstance(tree, exp.Values):
        return make(StatementKind.READ, "VALUES")
    if isinstance(tree, exp.Query):
        writes = [w for w in tree.find_all(exp.Insert, exp.Update, exp.Delete, exp.Merge)]
        if writes:
            return _classify(writes[0], start, end, base, sql, subst)
        into = tree.args.get("into")
        target = into.this if into is not None else None
        if isinstance(target, exp.Table) and not isinstance(target.this, exp.Parameter):
            return make(StatementKind.DML, "SELECT INTO", [table(target)])  # not INTO @variable
        source = tree.args.get("from_") or tree.args.get("from")
        first = source.this if source is not None else None
        return make(StatementKind.READ, "SELECT", [table(first)], bool(tree.args.get("locks")))
    if isinstance(tree, (exp.Alter, exp.Drop, exp.Comment, exp.Grant)) or type(tree).__name__ in (
        "Revoke",
        "AlterRename",
    ):
        return make(StatementKind.DDL, ddl_verb(text), [table(tree.this)])
    control = (exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Pragma, exp.Use, exp.Show)
    if isinstance(tree, control) or type(tree).__name__ in ("Analyze", "Describe"):
        return make(StatementKind.CONTROL, text.split(None, 1)[0].upper())
    return classify_tokens(text, start)


def classify_generic(sql: str, dialect: str) -> list[SqlStatement]:
    """Every statement in `sql`, classified by sqlglot for `dialect`; one it rejects by tokens."""
    sqlglot, _ = _sqlglot()
    subst = substitute(sql, dialect)
    out: list[SqlStatement] = []
    parser = _dialect(dialect).parser()
    for start, end, tokens in _spans(sql, dialect, subst):
        for i, candidate in enumerate(subst.candidates):
            # the first candidate's tokens are at hand: parse them (positions from 0)
            reuse = i == 0 and tokens is not None
            base = 0 if reuse else start
            try:
                if reuse:
                    parsed = parser.parse(tokens, candidate)
                else:
                    parsed = _dialect(dialect).parse(candidate[start:end])
            except (sqlglot.errors.SqlglotError, RecursionError):
                continue
            trees = [t for t in parsed if t is not None]
            if len(trees) == 1:
                out.append(_classify(trees[0], start, end, base, sql, subst))
                break
        else:
            out.append(classify_tokens(sql[start:end], start))
    return out
