"""The guard at the top of a follow-up revision: SQL that finds a row proving the script has not run.

A split moves a data statement to a script that runs between two revisions; the schema change
that needed the data moves to the follow-up revision. Deploying both at once (`alembic upgrade
head`) would run that schema change without the data, so the follow-up starts by looking for a
row the script would still change (a DELETE's rows still there, an UPDATE's rows still differing
from their SET values, an INSERT's row absent) and for rows the DDL would reject (NULLs before
NOT NULL, duplicates before UNIQUE, orphans before a foreign key, CHECK violators).

Every check must return no row once the script has run, so it is only built when the statement
is idempotent and deterministic: `SET price = price * 100`, volatile functions (except a fill
of exactly the NULLs a following NOT NULL checks), `INSERT … SELECT`, CTEs and statements that
later ones in the same script disturb get no guard (`None`), and the planner then refuses the
split. The SQL is derived with the real parsers: pglast for PostgreSQL (fragments deparsed from
its tree, the whole re-parsed), sqlglot for MySQL, SQLite, SQL Server and Oracle; the generic
dialect gets no guard, so its splits are refused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

# functions whose result changes between two runs of the same statement
VOLATILE = frozenset({
    "random", "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp",
    "timeofday", "nextval", "setval", "currval", "lastval", "gen_random_uuid", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "txid_current", "pg_current_xact_id", "uuid",
    "newid", "rand", "sysdate", "systimestamp", "current_timestamp", "current_date",
    "current_time", "localtime", "localtimestamp", "getdate", "sysdatetime", "utc_timestamp",
    "datetime", "date", "time", "julianday", "strftime", "unixepoch", "randomblob", "changes",
    "last_insert_rowid", "last_insert_id", "uuid_short", "sys_guid", "unix_timestamp",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Check:
    """One query of the guard: it returns a row while the script has not run (or the DDL would
    fail); `why` says which in words for the error message."""

    why: str
    sql: str
    # what a DDL precondition check proves, e.g. ("not null", "", "users", "token"): a fill
    # of NULLs with no check of its own may rely on it (see `_write`)
    proves: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Guard:
    """The checks, in order: the script's effects first, then the DDL's preconditions."""

    checks: tuple[Check, ...]


class NoGuard(Exception):
    """No exact check can be built for a statement (the reason says why)."""


@dataclass(frozen=True, slots=True)
class _Write:
    """A data statement reduced to what the guard needs, as SQL fragments of its own dialect."""

    kind: Literal["update", "delete", "insert"]
    table: str  # normalised name, for telling which statements touch which tables
    reads: frozenset[str]  # every table the check reads (the target included)
    set_columns: frozenset[str]  # UPDATE's targets (normalised)
    columns: frozenset[str]  # every column the statement names (normalised)
    check: Check | None  # None: a DDL check whose `proves` equals `needs` must prove it
    needs: tuple[str, ...] = ()


def guard_for(
    dependents: Sequence[ast.stmt], data_statements: Sequence[str], dialect: str
) -> Guard | None:
    """The guard for the follow-up revision, or None when no exact one exists.

    `dependents` are the Python statements deferred to the follow-up (their DDL preconditions
    become checks when they are plain `op.*` calls with literal arguments); `data_statements`
    the SQL written to the script, in order.
    """
    if not data_statements:
        return None
    try:
        impl = _implementation(dialect)
        writes = [_write(impl, sql, dialect) for sql in data_statements]
        _check_order(writes)
        ddl = list(_ddl_checks(dependents, impl, dialect))
    except NoGuard:
        return None
    except Exception:  # a deparser bug must cost the split (refused), never the run or editor
        return None
    proven = {c.proves for c in ddl}
    if any(w.check is None and w.needs not in proven for w in writes):
        return None
    return Guard((*(w.check for w in writes if w.check is not None), *ddl))


def _write(impl: ModuleType, sql: str, dialect: str) -> _Write:
    """The statement's own check; else, for `UPDATE t SET c = now() WHERE c IS NULL` (a value
    that differs on every run, filling exactly the NULLs), a write the NOT NULL check on t.c
    that follows it proves: no NULL left means the script ran, and it is needed before."""
    try:
        found: _Write = impl.write_of(sql, dialect)
    except NoGuard:
        fill = getattr(impl, "null_fill", None)
        covered: _Write | None = fill(sql) if fill is not None else None
        if covered is None:
            raise
        return covered
    return found


def why_not(data_statements: Sequence[str], dialect: str) -> str | None:
    """The reason `guard_for` gives no guard for these statements, for the refusal text."""
    if not data_statements:
        return "the script has no statements"
    try:
        impl = _implementation(dialect)
        _check_order([impl.write_of(sql, dialect) for sql in data_statements])
    except NoGuard as exc:
        return str(exc)
    except Exception as exc:
        return f"ddlguard could not derive the guard ({type(exc).__name__})"
    return None


def _implementation(dialect: str) -> ModuleType:
    """The module deriving checks for `dialect`: pglast for PostgreSQL, sqlglot for the others."""
    if dialect in ("postgresql", "postgres"):
        from ddlguard.fix import guards_pg

        return guards_pg
    if dialect in ("mysql", "sqlite", "mssql", "oracle"):
        from ddlguard.fix import guards_glot

        return guards_glot
    raise NoGuard(f"no guard is derived for the {dialect} dialect")


def _check_order(writes: Sequence[_Write]) -> None:
    """Each check runs after the whole script: a later statement must not make it fire again."""
    for i, earlier in enumerate(writes):
        for later in writes[i + 1 :]:
            if later.table not in earlier.reads:
                continue
            if later.kind == "delete" and earlier.kind != "insert":
                continue  # removing rows never makes "rows still to change" appear
            if later.kind == "insert" and earlier.kind == "insert":
                continue  # adding rows never makes an inserted row absent
            if (
                later.kind == earlier.kind == "update"
                and earlier.reads == {later.table}
                and not later.set_columns & earlier.columns
            ):
                continue  # other columns of the same rows, none of which the earlier check reads
            raise NoGuard(
                f"a later statement of the script changes {later.table}, which the check for an "
                f"earlier one reads"
            )


# -- the DDL's preconditions ---------------------------------------------------------------


def _ddl_checks(dependents: Sequence[ast.stmt], impl: ModuleType, dialect: str) -> Iterator[Check]:
    """Checks for the deferred schema operations whose preconditions are data.

    Read from `op.*` calls with literal arguments, the same calls on a `batch_alter_table`
    block's operations, and `ALTER TABLE` text in `op.execute(...)` (parsed by the dialect's
    parser). A table an earlier deferred statement reshapes may not exist yet (or not in that
    shape) when the guard runs, so its later constraints get no check of their own; anything
    not understood stops the DDL checks altogether. The script's checks still prove it ran.
    """
    mentioned: set[str] = set()
    for stmt in dependents:
        calls = _calls_of(stmt, impl, dialect)
        for name, args, kwargs in calls or ():
            table = _table_arg(name, args, kwargs)
            if table is not None and table.lower() not in mentioned:
                check = _precondition(name, args, kwargs, impl, dialect)
                if check is not None:
                    yield check
        if calls is None:
            return
        for call in calls:
            if not _shape_kept(*call):
                table = _table_arg(*call)
                if table is None:
                    return
                mentioned.add(table.lower())


_Call = tuple[str, list[Any], dict[str, Any]]


def _calls_of(stmt: ast.stmt, impl: ModuleType, dialect: str) -> list[_Call] | None:
    """The schema operations a deferred statement makes, as `op.*` calls; None: unknown."""
    if isinstance(stmt, ast.With) and len(stmt.items) == 1:
        return _batch_calls(stmt)
    call = _op_call(stmt)
    if call is None:
        return None
    name, args, _ = call
    if name == "execute":
        sql = args[0] if args else None
        reader = getattr(impl, "ddl_calls", None)
        if not isinstance(sql, str) or reader is None:
            return None
        found: list[_Call] | None = reader(sql)
        return found
    return [call] if name in _TABLE_POSITION or name in _SHAPES else None


# op.* calls that only add or drop things; their table is reshaped for later checks
_SHAPES = frozenset({
    "add_column", "drop_column", "create_table", "drop_table", "rename_table", "drop_index",
    "drop_constraint", "create_table_comment", "drop_table_comment",
})  # fmt: skip


def _batch_calls(stmt: ast.With) -> list[_Call] | None:
    """`with op.batch_alter_table("t") as batch:` calls on `batch`, given their table back."""
    item = stmt.items[0]
    opener = item.context_expr
    target = item.optional_vars
    if not (isinstance(opener, ast.Call) and isinstance(target, ast.Name)):
        return None
    func = opener.func
    if not (isinstance(func, ast.Attribute) and func.attr == "batch_alter_table"):
        return None
    table = _literal(opener.args[0]) if opener.args else None
    schema = next((_literal(k.value) for k in opener.keywords if k.arg == "schema"), None)
    if not isinstance(table, str):
        return None
    calls: list[_Call] = []
    for inner in stmt.body:
        call = _op_call(inner, receiver=target.id)
        if call is None:
            return None
        name, args, kwargs = call
        if name not in _TABLE_POSITION and name not in _SHAPES:
            return None
        position = _TABLE_POSITION.get(name, 0)
        args = [*args[:position], table, *args[position:]]
        if schema is not None:
            kwargs = {**kwargs, "schema": schema}
        calls.append((name, args, kwargs))
    return calls


_KEEPS_SHAPE = frozenset({
    "create_unique_constraint", "create_primary_key", "create_foreign_key",
    "create_check_constraint", "create_index",
})  # fmt: skip
_NULLABILITY_ONLY = frozenset({
    "nullable", "existing_type", "existing_nullable", "existing_server_default",
    "existing_comment", "schema",
})  # fmt: skip


def _shape_kept(name: str, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """A constraint or NOT NULL leaves tables and columns as they were for later checks."""
    if name == "alter_column":
        return len(args) <= 2 and set(kwargs) <= _NULLABILITY_ONLY
    return name in _KEEPS_SHAPE


def _op_call(stmt: ast.stmt, receiver: str = "op") -> _Call | None:
    """`op.name(literal args…)` as (name, args, kwargs); non-literal arguments become `...`."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    func = stmt.value.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.value.id != receiver:
        return None
    args = [_literal(a) for a in stmt.value.args]
    kwargs = {k.arg: _literal(k.value) for k in stmt.value.keywords if k.arg}
    return func.attr, args, kwargs


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        if isinstance(node, ast.Call) and node.args and not node.keywords:  # sa.text("…")
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "text":
                return _literal(node.args[0])
        return ...


_TABLE_POSITION = {
    "alter_column": 0, "create_unique_constraint": 1, "create_index": 1,
    "create_primary_key": 1, "create_foreign_key": 1, "create_check_constraint": 1,
}  # fmt: skip
_TABLE_KEYWORD = {
    "alter_column": "table_name", "create_unique_constraint": "table_name",
    "create_index": "table_name", "create_primary_key": "table_name",
    "create_foreign_key": "source_table", "create_check_constraint": "table_name",
}  # fmt: skip


def _arg(args: list[Any], kwargs: dict[str, Any], position: int, keyword: str) -> Any:
    if keyword in kwargs:
        return kwargs[keyword]
    return args[position] if position < len(args) else None


def _table_arg(name: str, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    if name not in _TABLE_POSITION:
        return None
    table = _arg(args, kwargs, _TABLE_POSITION[name], _TABLE_KEYWORD[name])
    return table if isinstance(table, str) else None


def _names(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _schema(kwargs: dict[str, Any], key: str = "schema") -> str | None:
    value = kwargs.get(key)
    return value if isinstance(value, str) else None


def _precondition(
    name: str, args: list[Any], kwargs: dict[str, Any], impl: ModuleType, dialect: str
) -> Check | None:
    table = _table_arg(name, args, kwargs)
    assert table is not None
    schema = _schema(kwargs)
    check: object = None
    if name == "alter_column" and kwargs.get("nullable") is False:
        column = _arg(args, kwargs, 1, "column_name")
        if isinstance(column, str):
            check = null_check(impl, schema, table, column, dialect)
    elif name in ("create_unique_constraint", "create_primary_key") or (
        name == "create_index" and kwargs.get("unique") is True
    ):
        columns = _names(_arg(args, kwargs, 2, "columns"))
        if columns:
            primary = name == "create_primary_key"
            check = duplicate_check(impl, schema, table, columns, dialect, primary=primary)
    elif name == "create_foreign_key":
        referent = _arg(args, kwargs, 2, "referent_table")
        local = _names(_arg(args, kwargs, 3, "local_cols"))
        remote = _names(_arg(args, kwargs, 4, "remote_cols"))
        if isinstance(referent, str) and local and remote and len(local) == len(remote):
            source = _schema(kwargs, "source_schema")
            target = _schema(kwargs, "referent_schema")
            check = orphan_check(impl, source, table, local, target, referent, remote, dialect)
    elif name == "create_check_constraint":
        condition = _arg(args, kwargs, 2, "condition")
        if isinstance(condition, str):
            try:
                check = violation_check(impl, schema, table, condition, dialect)
            except NoGuard:
                return None
    return check if isinstance(check, Check) else None


# -- the checks, composed once for every dialect from its module's spelling ------------------


def null_check(
    impl: ModuleType, schema: str | None, table: str, column: str, dialect: str
) -> Check:
    relation = impl.relation(schema, table, dialect)
    return Check(
        f"{table}.{column} still holds NULLs (it becomes NOT NULL)",
        impl.final(
            f"SELECT 1 FROM {relation} WHERE {impl.column(column, dialect)} IS NULL", dialect
        ),
        ("not null", (schema or "").lower(), table.lower(), column.lower()),
    )


def duplicate_check(
    impl: ModuleType,
    schema: str | None,
    table: str,
    columns: Sequence[str],
    dialect: str,
    *,
    primary: bool,
) -> Check:
    relation = impl.relation(schema, table, dialect)
    cols = ", ".join(impl.column(c, dialect) for c in columns)
    groups = f"GROUP BY {cols} HAVING count(*) > 1"
    if primary:  # a primary key also refuses NULLs
        nulls = " OR ".join(f"{impl.column(c, dialect)} IS NULL" for c in columns)
        if impl.UNIONS:
            sql = f"SELECT 1 FROM {relation} WHERE {nulls} UNION ALL SELECT 1 FROM {relation} {groups}"
        else:  # one SELECT: the NULLs form groups of their own, seen in the HAVING
            sql = f"SELECT 1 FROM {relation} {groups} OR {nulls}"
        why = f"{table} has NULLs or duplicates in ({', '.join(columns)}) (a primary key follows)"
    else:
        present = " AND ".join(f"{impl.column(c, dialect)} IS NOT NULL" for c in columns)
        sql = f"SELECT 1 FROM {relation} WHERE {present} {groups}"
        what = "a primary key" if primary else "a unique constraint"
        why = f"{table} has duplicates in ({', '.join(columns)}) ({what} follows)"
    return Check(why, impl.final(sql, dialect))


def orphan_check(
    impl: ModuleType,
    schema: str | None,
    table: str,
    local: Sequence[str],
    referent_schema: str | None,
    referent: str,
    remote: Sequence[str],
    dialect: str,
) -> Check:
    source = impl.relation(schema, table, dialect, "src")
    target = impl.relation(referent_schema, referent, dialect, "ref")
    present = " AND ".join(f"{impl.column(c, dialect, 'src')} IS NOT NULL" for c in local)
    match = " AND ".join(
        f"{impl.column(r, dialect, 'ref')} = {impl.column(c, dialect, 'src')}"
        for c, r in zip(local, remote, strict=True)
    )
    return Check(
        f"{table} has rows whose ({', '.join(local)}) match no row of {referent} "
        f"(a foreign key follows)",
        impl.final(
            f"SELECT 1 FROM {source} WHERE {present} AND NOT EXISTS "
            f"(SELECT 1 FROM {target} WHERE {match})",
            dialect,
        ),
    )


def violation_check(
    impl: ModuleType, schema: str | None, table: str, condition: str, dialect: str
) -> Check:
    text = impl.condition(condition, dialect)
    return Check(
        f"{table} has rows the new CHECK ({text}) rejects",
        impl.final(
            f"SELECT 1 FROM {impl.relation(schema, table, dialect)} WHERE NOT ({text})", dialect
        ),
    )
