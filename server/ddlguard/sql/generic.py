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
from ddlguard.sql.procedural import Classify, block_spans, classify_block
from ddlguard.sql.tokens import classify_tokens, ddl_verb, split_statements, trim_statement

if TYPE_CHECKING:
    import logging

_SQLGLOT_DIALECT = {"mysql": "mysql", "sqlite": "sqlite", "mssql": "tsql", "oracle": "oracle"}
_DECLARE_BLOCKS = frozenset({"oracle"})  # `DECLARE ... BEGIN ... END` is one block there


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


# start, end, the first candidate's tokens there, and whether it is an anonymous block
_Span = tuple[int, int, list[Any] | None, bool]


def _spans(sql: str, dialect: str, subst: Substitution) -> list[_Span]:
    """Statement spans from the dialect's tokenizer (a `BEGIN ... END` block or a routine's
    body is one statement, see `procedural`); our splitter when the tokenizer fails."""
    sqlglot, _ = _sqlglot()
    try:
        tokens = _dialect(dialect).tokenize(subst.candidates[0])
    except sqlglot.errors.SqlglotError:
        return [(s, e, None, False) for s, e in split_statements(sql)]
    semicolon = sqlglot.tokens.TokenType.SEMICOLON
    out: list[_Span] = []
    for first, last, kind in block_spans(tokens, semicolon, declare=dialect in _DECLARE_BLOCKS):
        start, end = trim_statement(sql, tokens[first].start, tokens[last].end + 1)
        if start < end:
            out.append((start, end, tokens[first : last + 1], kind == 1))
    return out


def token_spans(sql: str, dialect: str) -> list[tuple[int, int, list[Any], bool]] | None:
    """`_spans` for a dialect sqlglot does not parse here (PostgreSQL text that pglast
    rejects): None when its tokenizer fails too."""
    sqlglot, _ = _sqlglot()
    name = "postgres" if dialect in ("postgresql", "postgres") else dialect
    try:
        tokens = sqlglot.Dialect.get_or_raise(_SQLGLOT_DIALECT.get(name, name)).tokenize(sql)
    except (sqlglot.errors.SqlglotError, ValueError):
        return None
    semicolon = sqlglot.tokens.TokenType.SEMICOLON
    out = []
    for first, last, kind in block_spans(tokens, semicolon, declare=True):
        start, end = trim_statement(sql, tokens[first].start, tokens[last].end + 1)
        if start < end:
            out.append((start, end, tokens[first : last + 1], kind == 1))
    return out


def block(sql: str, start: int, end: int, tokens: list[Any], classify: Classify) -> SqlStatement:
    """An anonymous `BEGIN ... END` block: what its statements do (`procedural`)."""
    sqlglot, _ = _sqlglot()
    return classify_block(sql, start, end, tokens, sqlglot.tokens.TokenType.SEMICOLON, classify)


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
    for start, end, tokens, is_block in _spans(sql, dialect, subst):
        if is_block and tokens is not None:
            out.append(block(sql, start, end, tokens, lambda text: classify_generic(text, dialect)))
            continue
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
