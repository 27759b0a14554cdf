"""Guard checks for PostgreSQL, from pglast's tree of each statement (see `fix/guards.py`).

Fragments (the target, FROM items, WHERE, SET values) are deparsed from the parser's own nodes
and composed into one SELECT, which is parsed again and deparsed whole: what reaches the guard
is always a single statement PostgreSQL's parser accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, parse_sql
from pglast import enums as pglast_enums
from pglast.parser import ParseError
from pglast.stream import RawStream

from ddlguard.fix.guards import VOLATILE, Check, NoGuard, _Write
from ddlguard.sql.lexer import pg_tokens


def _sql(node: ast.Node) -> str:
    return str(RawStream()(node))


def _final(text: str) -> str:
    """Parse the composed query again: exactly one SELECT, deparsed as PostgreSQL prints it."""
    try:
        parsed = parse_sql(text)
    except ParseError as exc:  # a composition bug: never hand PostgreSQL a broken guard
        raise NoGuard(f"the guard query does not parse ({exc})") from None
    stmt = parsed[0].stmt if len(parsed) == 1 else None
    if not isinstance(stmt, ast.SelectStmt):
        raise NoGuard("the guard query is not one SELECT")
    return _sql(stmt)


def _walk(node: Any) -> Iterator[ast.Node]:
    if isinstance(node, ast.Node):
        yield node
        for slot in getattr(type(node), "__slots__", ()):
            yield from _walk(getattr(node, slot, None))
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _walk(item)


def _check_deterministic(node: Any, what: str) -> None:
    for n in _walk(node):
        if isinstance(n, ast.FuncCall):
            name = str(n.funcname[-1].sval if n.funcname else "").lower()
            if name in VOLATILE or name.startswith(("random", "uuid", "gen_random", "nextval")):
                raise NoGuard(f"{what} calls {name}(), which gives another value on every run")
        elif isinstance(n, (ast.SQLValueFunction, ast.SetToDefault)):
            raise NoGuard(f"{what} uses a value that changes between runs")


def _name(rangevar: Any) -> str:
    return str(rangevar.relname).lower()


def _tables(node: Any) -> set[str]:
    return {_name(n) for n in _walk(node) if isinstance(n, ast.RangeVar)}


def _subquery_tables(node: Any) -> set[str]:
    return {t for n in _walk(node) if isinstance(n, ast.SubLink) for t in _tables(n.subselect)}


def _column_refs(node: Any) -> Iterator[tuple[str, ...]]:
    for n in _walk(node):
        if isinstance(n, ast.ColumnRef):
            yield tuple(
                str(f.sval).lower() if isinstance(f, ast.String) else "*" for f in n.fields or ()
            )


def _structured(value: Any) -> bool:
    """A JSON or array literal (`'{…}'`, `'[…]'`, possibly cast), which `=` cannot compare."""
    while isinstance(value, ast.TypeCast):
        value = value.arg
    if isinstance(value, ast.A_ArrayExpr):
        return True
    literal = value.val if isinstance(value, ast.A_Const) else None
    return isinstance(literal, ast.String) and str(literal.sval).lstrip()[:1] in ("{", "[")


def _columns(node: Any) -> frozenset[str]:
    return frozenset(ref[-1] for ref in _column_refs(node))


def _one(sql: str) -> Any:
    try:
        parsed = parse_sql(sql)
    except ParseError as exc:
        raise NoGuard(f"PostgreSQL cannot parse the statement ({exc})") from None
    if len(parsed) != 1:
        raise NoGuard("the script text is not one statement")
    stmt = parsed[0].stmt
    if getattr(stmt, "withClause", None) is not None:
        raise NoGuard("the statement has a WITH clause")
    if getattr(stmt, "returningClause", None) is not None or getattr(stmt, "returningList", None):
        raise NoGuard("the statement returns rows")
    return stmt


def write_of(sql: str, dialect: str) -> _Write:
    """The check for one data statement of the script, or NoGuard with the reason."""
    del dialect
    stmt = _one(sql)
    if isinstance(stmt, ast.DeleteStmt):
        write = _delete(stmt)
    elif isinstance(stmt, ast.UpdateStmt):
        write = _update(stmt)
    elif isinstance(stmt, ast.InsertStmt):
        write = _insert(stmt)
    else:
        kind = type(stmt).__name__.removesuffix("Stmt").upper()
        raise NoGuard(f"no guard is known for {kind}")
    if write.check is not None:
        _check_spelling(sql, write.check.sql)
    return write


def _check_spelling(statement: str, guard: str) -> None:
    """pglast prints every string as a plain '…' literal: a value with a backslash that the
    statement spelled E'…' or $$…$$ would be read otherwise by a server with
    standard_conforming_strings off, so the guard would look for other rows. A plain literal
    the statement spelled the same way reads the same either way."""
    for token in pg_tokens(guard):
        text = guard[token.start : token.end]
        if token.name == "SCONST" and "\\" in text and text[:1] == "'" and text not in statement:
            raise NoGuard(
                "the guard would spell a value with a backslash otherwise than the statement, "
                "which a server with standard_conforming_strings off reads differently"
            )


def _delete(stmt: Any) -> _Write:
    table = _name(stmt.relation)
    _check_deterministic(stmt, "the DELETE")
    if table in _subquery_tables(stmt.whereClause) | _subquery_tables(stmt.usingClause):
        raise NoGuard(
            f"the DELETE's condition reads {table} in a subquery, so it shifts as rows go"
        )
    sources = ", ".join(_sql(n) for n in (stmt.relation, *(stmt.usingClause or ())))
    where = f" WHERE {_sql(stmt.whereClause)}" if stmt.whereClause is not None else ""
    check = Check(
        f"rows the script deletes from {stmt.relation.relname} are still there",
        _final(f"SELECT 1 FROM {sources}{where} LIMIT 1"),
    )
    return _Write("delete", table, frozenset(_tables(stmt)), frozenset(), _columns(stmt), check)


def _update(stmt: Any) -> _Write:
    table = _name(stmt.relation)
    qualifier = stmt.relation.alias.aliasname if stmt.relation.alias else stmt.relation.relname
    _check_deterministic(stmt, "the UPDATE")
    targets: list[tuple[str, ast.Node]] = []
    for target in stmt.targetList:
        if target.indirection or isinstance(target.val, ast.MultiAssignRef):
            raise NoGuard("the UPDATE sets array elements, fields or a row of columns")
        targets.append((target.name, target.val))
    set_columns = {name.lower() for name, _ in targets}
    own = {qualifier.lower(), table}
    for _, value in targets:
        for ref in _column_refs(value):
            column = ref[-1]
            if column in set_columns and (len(ref) == 1 or ref[-2] in own):
                raise NoGuard(
                    f"the UPDATE computes {column} from columns it sets itself, so running it "
                    f"again changes the data again"
                )
    if table in _subquery_tables(stmt.whereClause) | _subquery_tables(
        [v for _, v in targets]
    ) | _subquery_tables(stmt.fromClause):
        raise NoGuard(f"the UPDATE reads {table} in a subquery, which its own changes shift")
    differs = []
    for name, value in targets:
        target_ref = ast.ColumnRef(fields=(ast.String(sval=qualifier), ast.String(sval=name)))
        differs.append(f"{_sql(target_ref)} IS DISTINCT FROM ({_sql(value)})")
    sources = ", ".join(_sql(n) for n in (stmt.relation, *(stmt.fromClause or ())))
    where = f"({_sql(stmt.whereClause)}) AND " if stmt.whereClause is not None else ""
    check = Check(
        f"rows of {stmt.relation.relname} still differ from what the script sets",
        _final(f"SELECT 1 FROM {sources} WHERE {where}({' OR '.join(differs)}) LIMIT 1"),
    )
    columns = _columns(stmt) | set_columns
    return _Write("update", table, frozenset(_tables(stmt)), frozenset(set_columns), columns, check)


def _insert(stmt: Any) -> _Write:
    table = _name(stmt.relation)
    select = stmt.selectStmt
    if not stmt.cols or not isinstance(select, ast.SelectStmt) or not select.valuesLists:
        raise NoGuard("only INSERT … VALUES with named columns can be checked")
    conflict = stmt.onConflictClause
    if conflict is not None and conflict.targetList:
        raise NoGuard("INSERT … ON CONFLICT DO UPDATE changes rows the check cannot follow")
    relation = ast.RangeVar(
        relname=stmt.relation.relname,
        schemaname=stmt.relation.schemaname,
        inh=True,
        relpersistence="p",
    )
    missing = []
    for row in select.valuesLists:
        tests = []
        for col, value in zip(stmt.cols, row, strict=True):
            try:
                _check_deterministic(value, "the value")
            except NoGuard:
                continue  # a timestamp or generated id: the row is matched on the others
            if _structured(value):
                continue  # json has no `=`, jsonb and arrays print otherwise: match on the rest
            if any(True for _ in _column_refs(value)) or _tables(value):
                raise NoGuard("an INSERT value reads columns or tables")
            ref = _sql(ast.ColumnRef(fields=(ast.String(sval=col.name),)))
            if isinstance(value, ast.A_Const) and value.isnull:
                tests.append(f"{ref} IS NULL")
            else:
                tests.append(f"{ref} = {_sql(value)}")
        if not tests:
            raise NoGuard("an inserted row has no value that stays the same between runs")
        missing.append(f"NOT EXISTS (SELECT 1 FROM {_sql(relation)} WHERE {' AND '.join(tests)})")
    check = Check(
        f"rows the script inserts into {stmt.relation.relname} are missing",
        _final(f"SELECT 1 WHERE {' OR '.join(missing)}"),
    )
    names = frozenset(c.name.lower() for c in stmt.cols)
    return _Write("insert", table, frozenset({table}), frozenset(), names, check)


# -- the spelling the shared precondition builders (`guards.null_check` …) compose with ---------

UNIONS = True  # the primary key check looks for NULLs in a UNION of two SELECTs


def relation(schema: str | None, table: str, dialect: str, alias: str | None = None) -> str:
    del dialect
    named = ast.Alias(aliasname=alias) if alias else None
    return _sql(
        ast.RangeVar(relname=table, schemaname=schema, inh=True, relpersistence="p", alias=named)
    )


def column(name: str, dialect: str, table: str | None = None) -> str:
    del dialect
    parts = (table, name) if table else (name,)
    return _sql(ast.ColumnRef(fields=tuple(ast.String(sval=p) for p in parts)))


def final(text: str, dialect: str) -> str:
    """The composed query with its row limit, parsed again (see `_final`)."""
    del dialect
    return _final(f"{text} LIMIT 1")


def condition(text: str, dialect: str) -> str:
    """A CHECK constraint's condition as PostgreSQL prints it; NoGuard unless one expression."""
    del dialect
    try:
        parsed = parse_sql(f"SELECT {text}")
    except ParseError:
        raise NoGuard("the CHECK condition does not parse") from None
    stmt = parsed[0].stmt if len(parsed) == 1 else None
    targets: Any = stmt.targetList if isinstance(stmt, ast.SelectStmt) else None
    if stmt is None or not targets or len(targets) != 1:
        raise NoGuard("the CHECK condition is not one expression")
    expr = targets[0].val
    if _sql(stmt) != f"SELECT {_sql(expr)}":  # `x > 0 FROM t`: more than an expression
        raise NoGuard("the CHECK condition is not one expression")
    return _sql(expr)


# values that differ between runs but are never NULL: filling NULLs with them is exact to check
# through the NOT NULL that follows
_NON_NULL_VOLATILE = frozenset({
    "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "random",
    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
})  # fmt: skip


def null_fill(sql: str) -> _Write | None:
    """`UPDATE t SET c = <volatile, never NULL> WHERE c IS NULL`, else None."""
    try:
        stmt = _one(sql)
    except NoGuard:
        return None
    if not isinstance(stmt, ast.UpdateStmt):
        return None
    node: Any = stmt  # pglast types every field Optional; an UPDATE has these
    if node.fromClause or len(node.targetList or ()) != 1:
        return None
    target = node.targetList[0]
    value, where = target.val, node.whereClause
    if target.indirection or not isinstance(where, ast.NullTest):
        return None
    if where.nulltesttype != pglast_enums.NullTestType.IS_NULL:
        return None
    table = _name(node.relation)
    own = {table, str(node.relation.alias.aliasname).lower() if node.relation.alias else table}
    ref = (
        next(iter(_column_refs(where.arg)), None) if isinstance(where.arg, ast.ColumnRef) else None
    )
    column = str(target.name).lower()
    if ref is None or ref[-1] != column or (len(ref) > 1 and ref[-2] not in own):
        return None
    if isinstance(value, ast.FuncCall):
        name = str(value.funcname[-1].sval if value.funcname else "").lower()
        if name not in _NON_NULL_VOLATILE or value.args:
            return None
    elif not isinstance(value, ast.SQLValueFunction):  # CURRENT_TIMESTAMP, CURRENT_DATE …
        return None
    schema = str(node.relation.schemaname or "").lower()
    return _Write(
        "update", table, frozenset({table}), frozenset({column}), frozenset({column}), None,
        ("not null", schema, table, column),
    )  # fmt: skip


def ddl_calls(sql: str) -> list[tuple[str, list[Any], dict[str, Any]]] | None:
    """`ALTER TABLE` text as the `op.*` calls it amounts to (for their preconditions).

    SET NOT NULL, ADD UNIQUE / PRIMARY KEY / FOREIGN KEY / CHECK are read; other subcommands
    become a reshaping call on the table; anything else (other statements, unparseable
    text) is None: unknown.
    """
    try:
        parsed = parse_sql(sql)
    except ParseError:
        return None
    calls: list[tuple[str, list[Any], dict[str, Any]]] = []
    for raw in parsed:
        stmt: Any = raw.stmt
        if not isinstance(stmt, ast.AlterTableStmt) or stmt.relation is None:
            return None
        table = str(stmt.relation.relname)
        where = {"schema": stmt.relation.schemaname} if stmt.relation.schemaname else {}
        for cmd in stmt.cmds or ():
            calls.append(_ddl_call(cmd, table, where))
    return calls


def _ddl_call(cmd: Any, table: str, where: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]]:
    subtype = pglast_enums.AlterTableType
    contype = pglast_enums.ConstrType
    if cmd.subtype == subtype.AT_SetNotNull:
        return "alter_column", [table, str(cmd.name)], {"nullable": False, **where}
    constraint = cmd.def_ if cmd.subtype == subtype.AT_AddConstraint else None
    if isinstance(constraint, ast.Constraint):
        keys = [str(k.sval) for k in constraint.keys or ()]
        name = constraint.conname
        if constraint.contype == contype.CONSTR_UNIQUE and keys:
            return "create_unique_constraint", [name, table, keys], where
        if constraint.contype == contype.CONSTR_PRIMARY and keys:
            return "create_primary_key", [name, table, keys], where
        if constraint.contype == contype.CONSTR_FOREIGN and constraint.pktable is not None:
            local = [str(k.sval) for k in constraint.fk_attrs or ()]
            remote = [str(k.sval) for k in constraint.pk_attrs or ()]
            referent = str(constraint.pktable.relname)
            kwargs: dict[str, Any] = {}
            if where:
                kwargs["source_schema"] = where["schema"]
            if constraint.pktable.schemaname:
                kwargs["referent_schema"] = constraint.pktable.schemaname
            if local and remote:
                return "create_foreign_key", [name, table, referent, local, remote], kwargs
        if constraint.contype == contype.CONSTR_CHECK and constraint.raw_expr is not None:
            return "create_check_constraint", [name, table, _sql(constraint.raw_expr)], where
    return "add_column", [table], where  # something else on the table: it is reshaped
