"""Guard checks for MySQL, SQLite, SQL Server and Oracle, from sqlglot's tree (see `fix/guards.py`).

The same rules as for PostgreSQL (`guards_pg.py`): fragments of the statement are printed by
sqlglot for its own dialect, composed into one SELECT, parsed again and printed whole, so the
row limit and null-safe comparison come out as the dialect spells them (`LIMIT 1`, `TOP 1`,
`FETCH FIRST 1 ROWS ONLY`; `<=>`, `IS NOT`, or the comparison written out where there is none).
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ddlguard.fix.guards import VOLATILE, Check, NoGuard, _Write
from ddlguard.sql.lexer import LexError, sqlglot_tokens

_READ = {"mysql": "mysql", "sqlite": "sqlite", "mssql": "tsql", "oracle": "oracle"}
_VOLATILE_NODES = (
    exp.Rand, exp.Uuid, exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime,
    exp.CurrentDatetime, exp.CurrentUser,
)  # fmt: skip


def _dialect(dialect: str) -> str:
    found = _READ.get(dialect)
    if found is None:
        raise NoGuard(f"no guard is derived for the {dialect} dialect")
    return found


def _final(text: str, d: str, *, limit: bool = True) -> str:
    """Parse the composed query again (one SELECT), add the row limit, print it for `d`."""
    try:
        parsed = sqlglot.parse(text, read=d)
    except SqlglotError as exc:
        raise NoGuard(f"the guard query does not parse ({str(exc).splitlines()[0]})") from None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Select):
        raise NoGuard("the guard query is not one SELECT")
    query = parsed[0].limit(1) if limit else parsed[0]
    return _without_backslash(query.sql(dialect=d), d)


def _without_backslash(sql: str, d: str) -> str:
    """`sql`, unless it is for MySQL and holds a backslash: sqlglot prints a line break in a
    string as `\\n`, which a server with NO_BACKSLASH_ESCAPES reads as two characters, so the
    check would look for other values than the statement wrote (`fix/mysql_client.py`)."""
    if d == "mysql" and "\\" in sql:
        raise NoGuard(
            "the guard query holds a backslash, which MySQL reads by the server's sql_mode "
            "(NO_BACKSLASH_ESCAPES)"
        )
    return sql


def _check_deterministic(node: exp.Expression, what: str) -> None:
    for n in node.walk():
        if isinstance(n, _VOLATILE_NODES):
            raise NoGuard(f"{what} uses {n.sql_name().lower()}, which changes between runs")
        if isinstance(n, exp.Anonymous) and str(n.name).lower() in VOLATILE:
            raise NoGuard(f"{what} calls {str(n.name).lower()}(), which changes between runs")
        if isinstance(n, exp.Func) and n.sql_name().lower() in VOLATILE:
            raise NoGuard(f"{what} calls {n.sql_name().lower()}(), which changes between runs")


def _tables(node: exp.Expression | None) -> set[str]:
    return {t.name.lower() for t in node.find_all(exp.Table)} if node is not None else set()


def _subquery_tables(node: exp.Expression | None) -> set[str]:
    if node is None:
        return set()
    return {t for s in node.find_all(exp.Select) for t in _tables(s)}


def _columns(node: exp.Expression | None) -> frozenset[str]:
    if node is None:
        return frozenset()
    return frozenset(c.name.lower() for c in node.find_all(exp.Column))


def _one(sql: str, d: str) -> Any:
    if d == "mysql":
        _check_mode_free(sql)
    try:
        parsed = sqlglot.parse(sql, read=d)
    except SqlglotError as exc:
        raise NoGuard(f"sqlglot cannot parse the statement ({str(exc).splitlines()[0]})") from None
    if len(parsed) != 1 or parsed[0] is None:
        raise NoGuard("the script text is not one statement")
    stmt = parsed[0]
    if stmt.args.get("with") is not None or stmt.args.get("returning") is not None:
        raise NoGuard("the statement has a WITH or RETURNING clause")
    return stmt


def _check_mode_free(sql: str) -> None:
    """The guard is printed as sqlglot reads MySQL, with the default sql_mode; the script's
    statement runs as the server reads it. `||` is OR by default and concatenation under
    PIPES_AS_CONCAT (ANSI), `"…"` a string by default and a column under ANSI_QUOTES: a guard
    printed from either would look for other rows than the statement changed."""
    try:
        tokens = sqlglot_tokens(sql, "mysql")
    except LexError as exc:
        raise NoGuard(f"the statement does not lex ({exc})") from None
    for token in tokens:
        if token.token_type.name == "DPIPE":
            raise NoGuard("the statement uses ||, which MySQL reads by the server's sql_mode")
        if token.token_type.name == "STRING" and sql[token.start] == '"':
            raise NoGuard(
                'the statement quotes with "…", a string or a column by the server\'s sql_mode'
            )


def write_of(sql: str, dialect: str) -> _Write:
    """The check for one data statement of the script, or NoGuard with the reason."""
    d = _dialect(dialect)
    stmt = _one(sql, d)
    if isinstance(stmt, exp.Delete):
        return _delete(stmt, d)
    if isinstance(stmt, exp.Update):
        return _update(stmt, d)
    if isinstance(stmt, exp.Insert):
        return _insert(stmt, d)
    raise NoGuard(f"no guard is known for {stmt.key.upper()}")


def _target(stmt: exp.Expression) -> exp.Table:
    table = stmt.this
    if not isinstance(table, exp.Table):
        raise NoGuard("the statement's target is not one table")
    return table


def _delete(stmt: exp.Delete, d: str) -> _Write:
    if stmt.args.get("tables") or stmt.args.get("limit") or stmt.args.get("order"):
        raise NoGuard("a multi-table or limited DELETE cannot be checked exactly")
    target = _target(stmt)
    table = target.name.lower()
    _check_deterministic(stmt, "the DELETE")
    where = stmt.args.get("where")
    using = list(stmt.args.get("using") or [])
    if table in _subquery_tables(where) | {t for u in using for t in _subquery_tables(u)}:
        raise NoGuard(
            f"the DELETE's condition reads {table} in a subquery, so it shifts as rows go"
        )
    sources = ", ".join(t.sql(dialect=d) for t in (target, *using))
    condition = f" WHERE {where.this.sql(dialect=d)}" if where is not None else ""
    check = Check(
        f"rows the script deletes from {target.name} are still there",
        _final(f"SELECT 1 FROM {sources}{condition}", d),
    )
    reads = frozenset(_tables(stmt))
    return _Write("delete", table, reads, frozenset(), _columns(stmt), check)


def _differs(column: str, value: str, d: str) -> str:
    """`column` is not `value`, NULLs compared as values, as the dialect can say it."""
    if d == "mysql":
        return f"NOT ({column} <=> ({value}))"
    if d == "sqlite":
        return f"{column} IS NOT ({value})"
    return (
        f"({column} <> ({value}) OR ({column} IS NULL AND ({value}) IS NOT NULL) "
        f"OR ({column} IS NOT NULL AND ({value}) IS NULL))"
    )


def _update(stmt: exp.Update, d: str) -> _Write:
    if stmt.args.get("limit") or stmt.args.get("order"):
        raise NoGuard("a limited UPDATE cannot be checked exactly")
    target = _target(stmt)
    table = target.name.lower()
    qualifier = (target.alias or target.name).lower()
    _check_deterministic(stmt, "the UPDATE")
    pairs: list[tuple[exp.Column, exp.Expression]] = []
    for assignment in stmt.expressions:
        column, value = assignment.this, assignment.expression
        if not isinstance(assignment, exp.EQ) or not isinstance(column, exp.Column):
            raise NoGuard("the UPDATE sets something other than plain columns")
        pairs.append((column, value))
    set_columns = frozenset(c.name.lower() for c, _ in pairs)
    own = {qualifier, table}
    for _, value in pairs:
        for ref in value.find_all(exp.Column):
            if ref.name.lower() in set_columns and (not ref.table or ref.table.lower() in own):
                raise NoGuard(
                    f"the UPDATE computes {ref.name.lower()} from columns it sets itself, so "
                    f"running it again changes the data again"
                )
    where = stmt.args.get("where")
    source = stmt.args.get("from_") or stmt.args.get("from")
    shifted = _subquery_tables(where) | _subquery_tables(source)
    for _, value in pairs:
        shifted |= _subquery_tables(value)
    if table in shifted:
        raise NoGuard(f"the UPDATE reads {table} in a subquery, which its own changes shift")
    if stmt.args.get("joins"):
        raise NoGuard("an UPDATE with joins cannot be checked exactly")
    differs = [
        _differs(
            exp.column(c.name, table=target.alias or target.name).sql(dialect=d),
            v.sql(dialect=d),
            d,
        )
        for c, v in pairs
    ]
    sources = target.sql(dialect=d)
    if source is not None:
        sources += ", " + ", ".join(e.sql(dialect=d) for e in source.expressions)
    condition = f"({where.this.sql(dialect=d)}) AND " if where is not None else ""
    check = Check(
        f"rows of {target.name} still differ from what the script sets",
        _final(f"SELECT 1 FROM {sources} WHERE {condition}({' OR '.join(differs)})", d),
    )
    columns = _columns(stmt) | set_columns
    return _Write("update", table, frozenset(_tables(stmt)), set_columns, columns, check)


def _structured(value: exp.Expression) -> bool:
    literal = value.this if isinstance(value, exp.Cast) else value
    return (
        isinstance(literal, exp.Literal)
        and literal.is_string
        and str(literal.this).lstrip()[:1] in ("{", "[")
    )


def _one_row(d: str) -> str:
    """A FROM that yields one row: what `SELECT 1 WHERE …` needs where FROM is required."""
    if d == "oracle":
        return " FROM DUAL"
    if d == "mysql":
        return " FROM (SELECT 1 AS one) AS one_row"
    return ""


def _insert(stmt: exp.Insert, d: str) -> _Write:
    schema, values = stmt.this, stmt.expression
    if not isinstance(schema, exp.Schema) or not isinstance(values, exp.Values):
        raise NoGuard("only INSERT … VALUES with named columns can be checked")
    target = schema.this
    if not isinstance(target, exp.Table):
        raise NoGuard("the INSERT's target is not one table")
    conflict = stmt.args.get("conflict")
    if conflict is not None and (
        conflict.args.get("expressions") or conflict.args.get("duplicate")
    ):
        raise NoGuard(
            "INSERT … ON CONFLICT/DUPLICATE KEY UPDATE changes rows the check cannot follow"
        )
    names = [c.name for c in schema.expressions]
    table = target.name.lower()
    plain = exp.table_(target.name, db=target.db or None).sql(dialect=d)
    missing = []
    for row in values.expressions:
        cells = row.expressions if isinstance(row, exp.Tuple) else [row]
        if len(cells) != len(names):
            raise NoGuard("an inserted row has another number of values than columns")
        tests = []
        for name, value in zip(names, cells, strict=True):
            try:
                _check_deterministic(value, "the value")
            except NoGuard:
                continue  # a timestamp or generated id: the row is matched on the others
            if _structured(value):
                continue  # JSON has no `=` everywhere, and prints otherwise: match the rest
            if any(True for _ in value.find_all(exp.Column)) or _tables(value):
                raise NoGuard("an INSERT value reads columns or tables")
            ref = exp.column(name).sql(dialect=d)
            if isinstance(value, exp.Null):
                tests.append(f"{ref} IS NULL")
            else:
                tests.append(f"{ref} = {value.sql(dialect=d)}")
        if not tests:
            raise NoGuard("an inserted row has no value that stays the same between runs")
        missing.append(f"NOT EXISTS (SELECT 1 FROM {plain} WHERE {' AND '.join(tests)})")
    check = Check(
        f"rows the script inserts into {target.name} are missing",
        _final(f"SELECT 1{_one_row(d)} WHERE {' OR '.join(missing)}", d, limit=False),
    )
    return _Write("insert", table, frozenset({table}), frozenset(), frozenset(names), check)


# -- the spelling the shared precondition builders (`guards.null_check` …) compose with ---------

UNIONS = False  # one SELECT per check: a primary key's NULLs are looked for in its HAVING


def relation(schema: str | None, table: str, dialect: str, alias: str | None = None) -> str:
    text = exp.table_(table, db=schema).sql(dialect=_dialect(dialect))
    return f"{text} {alias}" if alias else text


def column(name: str, dialect: str, table: str | None = None) -> str:
    return exp.column(name, table=table).sql(dialect=_dialect(dialect))


def final(text: str, dialect: str) -> str:
    """The composed query with its row limit, parsed again (see `_final`)."""
    return _final(text, _dialect(dialect))


def condition(text: str, dialect: str) -> str:
    """A CHECK constraint's condition as the dialect prints it; NoGuard unless one expression."""
    d = _dialect(dialect)
    try:
        expr: Any = sqlglot.parse_one(text, read=d, into=exp.Condition)
    except SqlglotError:
        raise NoGuard("the CHECK condition does not parse") from None
    if expr is None or isinstance(expr, (exp.Select, exp.Query)):
        raise NoGuard("the CHECK condition is not one expression")
    return _without_backslash(str(expr.sql(dialect=d)), d)
