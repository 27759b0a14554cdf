"""Which schema operations after a data statement need its data first (move, split or refuse).

Moving a data statement to a script makes it run *after* everything that followed it in the
migration. That is only exact when nothing that followed depends on it: a `NOT NULL` after a
backfill, a unique constraint after deleting duplicates, a dropped column the statement read.
This module finds, statically, the first such operation. It is table-level and conservative:
an operation on a table the statement writes or reads counts unless it only adds something
(a column, a non-unique index, a new table) that does not refer to those tables; anything it
cannot read (a helper it cannot follow, SQL it cannot parse, a table name it cannot resolve)
counts as dependent.
"""

from __future__ import annotations

import ast
import builtins
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ddlguard.fix.scope import Scope
from ddlguard.model import Range
from ddlguard.positions import split_lines, utf8_to_codepoints
from ddlguard.sql import StatementKind, classify_sql

# modules whose calls never run SQL: calling them between two statements changes no order
_SAFE_MODULES = frozenset({"sqlalchemy", "datetime", "decimal", "uuid", "json", "logging",
                           "typing", "enum", "re", "textwrap", "alembic.op.f"})  # fmt: skip
_SAFE_BUILTINS = frozenset(dir(builtins))
# op.* calls that run nothing on the database
_OP_NOOPS = frozenset({"get_bind", "get_context", "f", "inline_literal", "implementation_for",
                       "batch_alter_table"})  # fmt: skip
# op.* name -> index of the positional table argument, and its keyword
_TABLE_ARG: dict[str, tuple[int, str]] = {
    "add_column": (0, "table_name"), "alter_column": (0, "table_name"),
    "drop_column": (0, "table_name"), "drop_table": (0, "table_name"),
    "create_table": (0, "table_name"), "rename_table": (0, "old_table_name"),
    "create_unique_constraint": (1, "table_name"), "create_check_constraint": (1, "table_name"),
    "create_primary_key": (1, "table_name"), "create_foreign_key": (1, "source_table"),
    "create_index": (1, "table_name"), "drop_index": (1, "table_name"),
    "drop_constraint": (1, "table_name"), "create_exclude_constraint": (1, "table_name"),
    "create_table_comment": (0, "table_name"), "drop_table_comment": (0, "table_name"),
    "bulk_insert": (0, "table"),
}  # fmt: skip
# the same calls on a batch_alter_table's operations object: the table is the batch's
_BATCH_SHIFT = {"add_column", "alter_column", "drop_column", "create_unique_constraint",
                "create_check_constraint", "create_primary_key", "create_foreign_key",
                "create_index", "drop_index", "drop_constraint", "create_exclude_constraint",
                "create_table_comment", "drop_table_comment"}  # fmt: skip
_MAX_HELPER_DEPTH = 4
_CONTEXT_METHODS = frozenset({"autocommit_block", "begin_transaction", "is_offline_mode"})


@dataclass(frozen=True, slots=True)
class Footprint:
    """What a data statement touches: tables written or read, temporary objects it creates."""

    tables: frozenset[str]
    temporary: frozenset[str] = frozenset()
    known: bool = True
    # tables of which only some columns matter (a PostgreSQL UPDATE: what it sets and reads),
    # with those (table, column) pairs; every other table counts whole
    partial: frozenset[str] = frozenset()
    columns: frozenset[tuple[str, str]] = frozenset()
    writes: frozenset[tuple[str, str]] = frozenset()  # of `columns`, those it may set

    def __or__(self, other: Footprint) -> Footprint:
        whole = (self.tables - self.partial) | (other.tables - other.partial)
        partial = (self.partial | other.partial) - whole
        return Footprint(
            self.tables | other.tables,
            self.temporary | other.temporary,
            self.known and other.known,
            partial,
            frozenset(c for c in self.columns | other.columns if c[0] in partial),
            frozenset(c for c in self.writes | other.writes if c[0] in partial),
        )

    def needs_column(
        self, table: str, columns: frozenset[str] | None, *, validates: bool = False
    ) -> bool:
        """Whether an operation on `columns` of `table` (None: the whole table) meets this;
        with `validates` (it only checks those columns' values) only a write of them does."""
        if table not in self.partial or columns is None:
            return True
        pairs = self.writes if validates else self.columns
        return any((table, c) in pairs for c in columns)


@dataclass(frozen=True, slots=True)
class Operation:
    """One statement that runs after the data statement, as far as dependencies go.

    `needs`: the tables whose data it depends on or whose rows it competes with (all it
    touches, unless it only adds); `known` is False when ddlguard cannot tell.
    """

    top: ast.stmt  # the statement of the function body that holds it (where a split cuts)
    range: Range  # the call itself, for the diagnostic's related information
    label: str  # `alter_column("users", ...)`, for the reason
    needs: frozenset[str]
    known: bool = True
    touches: frozenset[str] = frozenset()  # every table it names (temporary objects included)
    sql: str | None = None  # for op.execute of static DDL: its text (may move with temp data)
    table: str | None = None  # the table `columns` belong to
    columns: frozenset[str] | None = None  # the columns of `table` it is about; None: all
    # it only checks the values of `columns` (NOT NULL, unique): changes no row, no shape, so
    # only a statement writing those columns meets it, in either order
    validates: bool = False

    def strict(self) -> Operation:
        """The same operation counting everything it touches (see `first_dependent`)."""
        return Operation(
            self.top, self.range, self.label, self.touches, self.known, self.touches, self.sql,
            self.table, self.columns, self.validates,
        )  # fmt: skip

    def depends_on(self, footprint: Footprint) -> bool:
        if not self.known or not footprint.known:
            return True
        if self.touches and self.touches <= footprint.temporary:
            return True  # on a temporary object the script creates: it must move along
        hit = self.needs & (footprint.tables | footprint.temporary)
        return any(
            footprint.needs_column(t, self.columns, validates=self.validates)
            if t == self.table
            else footprint.needs_column(t, None)
            for t in hit
        )


def normalise(name: str) -> str:
    """`"Public"."Users"` and `public.users` → `users`: the unqualified name, compared loosely."""
    last = name.rsplit(".", 1)[-1].strip()
    if last[:1] in ('"', "`", "[") and len(last) >= 2:
        last = last[1:-1]
    return last.lower()


def sql_footprint(statements: Sequence[str], dialect: str) -> Footprint:
    """Tables read or written and temporary objects created by SQL text, with the real parsers."""
    result = Footprint(frozenset())
    for text in statements:
        result = result | _one_sql(text, dialect)
    return result


def _one_sql(text: str, dialect: str) -> Footprint:
    if dialect in ("postgresql", "postgres"):
        return _pg_footprint(text)
    return _generic_footprint(text, dialect)


def _pg_footprint(text: str) -> Footprint:
    from ddlguard.sql import libpg

    parser = libpg.parser()
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except (parser.ParseError, ValueError, RecursionError):
        return Footprint(frozenset(), known=False)
    tables: set[str] = set()
    temporary: set[str] = set()
    for node in walk_json(tree):
        rel = node.get("relname")
        if isinstance(rel, str):  # compared without case: "Users" and users meet (conservative)
            tables.add(rel.lower())
            if node.get("relpersistence") == "t":
                temporary.add(rel.lower())
        renamed = node.get("newname")
        if node.get("renameType") in _DROPPED_RELATIONS and isinstance(renamed, str):
            tables.add(renamed.lower())  # ALTER TABLE m RENAME TO n: n is touched too
        if node.get("removeType") in _DROPPED_RELATIONS:  # DROP TABLE m: names, not RangeVars
            for obj in node.get("objects", []):
                items = obj.get("List", {}).get("items", []) if isinstance(obj, dict) else []
                names = [i.get("String", {}).get("sval") for i in items if isinstance(i, dict)]
                if names and isinstance(names[-1], str):
                    tables.add(names[-1].lower())
        elif "removeType" in node:
            return Footprint(frozenset(), known=False)  # DROP INDEX/TYPE...: on what table?
    temporary |= tables & temporary
    relations = frozenset(tables - temporary)
    stmts = tree.get("stmts", [])
    if len(stmts) == 1 and "UpdateStmt" in stmts[0].get("stmt", {}):
        update = stmts[0]["stmt"]["UpdateStmt"]
        columns = _update_columns(update)
        if columns is not None:
            pairs = frozenset((t, c) for t in relations for c in columns)
            sets = frozenset((t, c) for t in relations for c in _update_sets(update))
            return Footprint(relations, frozenset(temporary), True, relations, pairs, sets)
    return Footprint(relations, frozenset(temporary))


def _update_columns(update: dict[str, Any]) -> frozenset[str] | None:
    """Every column name an UPDATE sets or reads; None when it reads whole rows (`t.*`)."""
    found: set[str] = set()
    rows: set[str] = set()
    for node in walk_json(update):
        if "val" in node and isinstance(node.get("name"), str):  # ResTarget of the SET list
            found.add(node["name"].lower())
        fields = node.get("fields") if "fields" in node else None
        if isinstance(fields, list):
            if any(isinstance(f, dict) and "A_Star" in f for f in fields):
                return None
            last = fields[-1] if fields else None
            if isinstance(last, dict) and isinstance(last.get("String", {}).get("sval"), str):
                found.add(last["String"]["sval"].lower())
            if len(fields) == 1 and isinstance(last, dict):  # a bare name may be a whole row
                rows.add(str(last.get("String", {}).get("sval", "")).lower())
    relations: set[str] = set()
    for node in walk_json(update):
        if isinstance(node.get("relname"), str):
            relations.add(node["relname"].lower())
            alias = node.get("alias", {}).get("aliasname")
            if isinstance(alias, str):
                relations.add(alias.lower())
    if rows & relations:  # `f(users)`: the whole row is read
        return None
    return frozenset(found)


def _update_sets(update: dict[str, Any]) -> frozenset[str]:
    """The columns an UPDATE may set: every named target with a value anywhere in it (the SET
    list, and conservatively the aliases of its subqueries' select lists)."""
    return frozenset(
        node["name"].lower()
        for node in walk_json(update)
        if "val" in node and isinstance(node.get("name"), str)
    )


_DROPPED_RELATIONS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"})


def walk_json(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _generic_footprint(text: str, dialect: str) -> Footprint:
    from ddlguard.sql.generic import _dialect, _sqlglot

    sqlglot, exp = _sqlglot()
    try:
        trees = _dialect(dialect).parse(text)
    except (sqlglot.errors.SqlglotError, RecursionError):
        return Footprint(frozenset(), known=False)
    tables: set[str] = set()
    temporary: set[str] = set()
    for tree in trees:
        if tree is None or isinstance(tree, exp.Command):
            return Footprint(frozenset(), known=False)
        for table in tree.find_all(exp.Table):
            if table.name:
                tables.add(normalise(table.name))
        if isinstance(tree, exp.Create) and tree.find(exp.TemporaryProperty) is not None:
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            if isinstance(target, exp.Table) and target.name:
                temporary.add(normalise(target.name))
    return Footprint(frozenset(tables - temporary), frozenset(temporary))


# ---- what runs after ----------------------------------------------------------------------


class _Reader:
    """Reads the operations in statements of one module (helpers followed a few levels deep)."""

    def __init__(self, tree: ast.Module, text: str, scope: Scope, dialect: str) -> None:
        self.tree = tree
        self.lines = split_lines(text)
        self.scope = scope
        self.dialect = dialect
        self.helpers = {
            s.name: s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.skip: frozenset[int] = frozenset()

    def range_of(self, node: ast.expr | ast.stmt) -> Range:
        line, end_line = node.lineno, node.end_lineno or node.lineno
        col = utf8_to_codepoints(self.lines[line - 1], node.col_offset)
        end = utf8_to_codepoints(self.lines[end_line - 1], node.end_col_offset or 0)
        return Range.of(line, col, end_line, end)

    def segment(self, node: ast.expr | ast.stmt) -> str:
        """The first line of a call as written (for reasons), cut at 70 characters."""
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        start = utf8_to_codepoints(line, node.col_offset)
        text = (
            line[start:]
            if node.end_lineno != node.lineno
            else line[start : utf8_to_codepoints(line, node.end_col_offset or 0)]
        )
        text = text.rstrip()
        first = text if text else type(node).__name__
        return first if len(first) <= 70 else first[:67] + "..."

    def operations(self, top: ast.stmt, node: ast.stmt, depth: int = 0) -> Iterator[Operation]:
        batches: dict[str, str | None] = {}
        for sub in ast.walk(node):
            if isinstance(sub, (ast.With, ast.AsyncWith)):
                for item in sub.items:
                    call = item.context_expr
                    var = item.optional_vars
                    if (
                        isinstance(call, ast.Call)
                        and _op_name(call) == "batch_alter_table"
                        and isinstance(var, ast.Name)
                    ):
                        batches[var.id] = self._table_arg(call, 0, "table_name")
        for call in _calls_in_order(node, self.skip):
            yield from self._call(top, call, batches, depth)

    def _call(
        self, top: ast.stmt, call: ast.Call, batches: dict[str, str | None], depth: int
    ) -> Iterator[Operation]:
        rng = self.range_of(call)
        label = self.segment(call)
        func = call.func
        op = _op_name(call)
        if op is not None:
            yield from self._op(top, call, op, None, rng, label)
            return
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = func.value.id
            if owner in batches:
                table = batches[owner]
                yield self._batch_op(top, call, func.attr, table, rng, label)
                return
        if isinstance(func, ast.Attribute) and func.attr in ("execute", "exec_driver_sql"):
            yield self._execute(top, call, rng, label)
            return
        if (
            isinstance(func, ast.Name)
            and func.id in self.helpers
            and func.id not in self.scope.local_names
            and _defined_once(self.tree, func.id)
        ):
            if depth >= _MAX_HELPER_DEPTH:
                yield Operation(top, rng, label, frozenset(), known=False)
                return
            for stmt in self.helpers[func.id].body:
                for found in self.operations(stmt, stmt, depth + 1):
                    yield Operation(top, rng, label, found.needs, found.known, found.touches)
            return
        if self._harmless_call(func):
            return
        yield Operation(top, rng, label, frozenset(), known=False)

    def _harmless_call(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name) and func.id in _SAFE_BUILTINS:
            return not self.scope.is_assigned(func.id)
        qual = self.scope.qualname(func)
        if qual is not None:
            return any(qual == m or qual.startswith(m + ".") for m in _SAFE_MODULES)
        # Alembic's context: `op.get_context().autocommit_block()` commits, runs no statement
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _CONTEXT_METHODS
            and isinstance(func.value, ast.Call)
            and _op_name(func.value) == "get_context"
        ):
            return True
        # a method on a value built in the file (`t.update().where(...)`): builds, runs nothing
        if isinstance(func, ast.Attribute) and func.attr not in ("create", "drop", "execute"):
            from ddlguard.fix.codemod import PURE_CALLS

            return func.attr in PURE_CALLS
        return False

    def _table_arg(self, call: ast.Call, index: int, keyword: str) -> str | None:
        value: ast.expr | None = None
        for kw in call.keywords:
            if kw.arg == keyword:
                value = kw.value
        if value is None and len(call.args) > index:
            value = call.args[index]
        return self._string(value)

    def _string(self, value: ast.expr | None) -> str | None:
        if isinstance(value, ast.Name):
            value = self.scope.binding(value.id)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
        if isinstance(value, ast.Call) and _callee(value) in ("table", "Table") and value.args:
            return self._string(value.args[0])
        return None

    def _references(self, call: ast.Call) -> set[str] | None:
        """Tables a call refers to through foreign keys (`sa.ForeignKey("statuses.id")`)."""
        found: set[str] = set()
        for sub in ast.walk(call):
            if isinstance(sub, ast.Call) and _callee(sub) in ("ForeignKey", "ForeignKeyConstraint"):
                target = sub.args[0] if _callee(sub) == "ForeignKey" and sub.args else None
                if _callee(sub) == "ForeignKeyConstraint" and len(sub.args) >= 2:
                    target = sub.args[1]
                    if isinstance(target, (ast.List, ast.Tuple)) and target.elts:
                        target = target.elts[0]
                name = self._string(target)
                if name is None or "." not in name:
                    return None
                found.add(normalise(name.rsplit(".", 1)[0]))
        return found

    def _op(
        self, top: ast.stmt, call: ast.Call, name: str, table: str | None, rng: Range, label: str
    ) -> Iterator[Operation]:
        if name in _OP_NOOPS:
            return
        if name == "execute":
            yield self._execute(top, call, rng, label)
            return
        if name not in _TABLE_ARG:
            yield Operation(top, rng, label, frozenset(), known=False)
            return
        index, keyword = _TABLE_ARG[name]
        if table is None:
            table = self._table_arg(call, index, keyword)
        yield self._classified(top, call, name, table, rng, label)

    def _batch_op(
        self, top: ast.stmt, call: ast.Call, name: str, table: str | None, rng: Range, label: str
    ) -> Operation:
        if name not in _BATCH_SHIFT or table is None:
            return Operation(top, rng, label, frozenset(), known=False)
        # a batch may copy the whole table (SQLite's move and copy): it always needs the data
        op = self._classified(top, call, name, table, rng, label)
        return Operation(top, rng, label, op.needs | {normalise(table)}, op.known, op.touches)

    def _classified(
        self, top: ast.stmt, call: ast.Call, name: str, table: str | None, rng: Range, label: str
    ) -> Operation:
        refs = self._references(call)
        if table is None or refs is None:
            return Operation(top, rng, label, frozenset(), known=False)
        own = normalise(table)
        if name == "create_foreign_key":
            referent = self._table_arg(call, 2, "referent_table")
            if referent is None:
                return Operation(top, rng, label, frozenset(), known=False)
            refs.add(normalise(referent))
        if name == "rename_table":  # the name it takes is touched as much as the one it frees
            new = self._table_arg(call, 1, "new_table_name")
            if new is None:
                return Operation(top, rng, label, frozenset(), known=False)
            refs.add(normalise(new))
        touches = frozenset({own, *refs})
        if name == "create_table":
            return Operation(top, rng, label, frozenset(refs), touches=touches)
        if name == "add_column" and not _not_null_without_default(call):
            # about the column it adds (data run ahead of it must not name that column); a
            # foreign key's other table counts whole
            column = self._added_column(call)
            columns = None if column is None or refs else frozenset({column.lower()})
            return Operation(
                top, rng, label, frozenset(refs), touches=touches, table=own, columns=columns
            )
        if name == "create_index" and not _is_true(call, "unique"):
            columns = self._columns(call, name)
            return Operation(
                top, rng, label, frozenset(refs), touches=touches, table=own, columns=columns
            )
        if name in ("create_table_comment", "drop_table_comment"):
            return Operation(top, rng, label, frozenset(), touches=touches)
        columns = self._columns(call, name)
        validates = columns is not None and _validates_only(call, name)
        return Operation(
            top, rng, label, touches, touches=touches, table=own, columns=columns,
            validates=validates,
        )  # fmt: skip

    def _added_column(self, call: ast.Call) -> str | None:
        """The name of the `sa.Column(...)` an `op.add_column` call adds, when it is literal."""
        value: ast.expr | None = call.args[1] if len(call.args) > 1 else None
        for kw in call.keywords:
            if kw.arg == "column":
                value = kw.value
        if isinstance(value, ast.Call) and _callee(value) == "Column" and value.args:
            return self._string(value.args[0])
        return None

    def _columns(self, call: ast.Call, name: str) -> frozenset[str] | None:
        """The columns of its table an `op.*` call is about, when that is plain; else None."""
        if _op_name(call) is None:  # batch operations may copy the table: all of it
            return None
        if name in ("alter_column", "drop_column"):
            column = self._table_arg(call, 1, "column_name")
            renamed = [kw.value for kw in call.keywords if kw.arg == "new_column_name"]
            new = self._string(renamed[0]) if renamed else None
            if column is None or (renamed and new is None):
                return None
            # a rename is about the name it frees and the name it takes (data run ahead of it
            # would find neither where it was)
            return frozenset({column.lower(), *([new.lower()] if new else [])})
        if name in ("create_index", "create_unique_constraint", "create_primary_key"):
            value: ast.expr | None = call.args[2] if len(call.args) > 2 else None
            for kw in call.keywords:
                if kw.arg == "columns":
                    value = kw.value
            if isinstance(value, (ast.List, ast.Tuple)):
                names = [self._string(e) for e in value.elts]
                if names and all(n is not None for n in names):
                    return frozenset(n.lower() for n in names if n is not None)
        return None

    def _execute(self, top: ast.stmt, call: ast.Call, rng: Range, label: str) -> Operation:
        sql = self._sql_arg(call)
        if sql is None:
            return Operation(top, rng, label, frozenset(), known=False)
        statements = classify_sql(sql, self.dialect)
        needs: set[str] = set()
        touches: set[str] = set()
        for statement in statements:
            if statement.kind is StatementKind.READ and not statement.locking:
                continue  # a SELECT whose rows nobody uses changes nothing, whenever it runs
            if statement.kind not in (StatementKind.DDL, StatementKind.DML, StatementKind.READ):
                if statement.kind is StatementKind.CONTROL:
                    continue
                return Operation(top, rng, label, frozenset(), known=False)
            fp = _one_sql(statement.text, self.dialect)
            if not fp.known:
                return Operation(top, rng, label, frozenset(), known=False)
            names = fp.tables | fp.temporary
            if not names and statement.kind is StatementKind.DDL:
                # an enum, a function, an extension: which tables it affects is unknown
                return Operation(top, rng, label, frozenset(), known=False)
            touches |= names
            if not _harmless_ddl(statement.text, statement.verb):
                needs |= names
        return Operation(top, rng, label, frozenset(needs), touches=frozenset(touches), sql=sql)

    def _sql_arg(self, call: ast.Call) -> str | None:
        if len(call.args) != 1:
            return None
        arg = call.args[0]
        if isinstance(arg, ast.Call) and _callee(arg) == "text" and len(arg.args) == 1:
            arg = arg.args[0]
        return self._string(arg)


def _defined_once(tree: ast.Module, name: str) -> bool:
    """A module-level function bound by exactly one statement (no reassignment to follow)."""
    bindings = 0
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bindings += stmt.name == name
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            bindings += 2 * any((a.asname or a.name).split(".")[0] == name for a in stmt.names)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            bindings += 2 * any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(stmt))
    return bindings == 1


# keywords that leave an operation a pure check of its columns' values
_CHECK_ONLY_KEYWORDS = {
    "alter_column": frozenset({"nullable", "existing_type", "existing_nullable",
                               "existing_server_default", "existing_comment", "schema"}),
    "create_unique_constraint": frozenset({"schema"}),
    "create_primary_key": frozenset({"schema"}),
    "create_index": frozenset({"unique", "schema"}),
}  # fmt: skip


def _validates_only(call: ast.Call, name: str) -> bool:
    """NOT NULL (or nullable again), a unique constraint, a primary key or a unique index on
    plain columns: it rejects rows or not, and changes none (no type, default, predicate)."""
    allowed = _CHECK_ONLY_KEYWORDS.get(name)
    if allowed is None or any(kw.arg not in allowed for kw in call.keywords):
        return False
    positional = 2 if name == "alter_column" else 3
    return len(call.args) <= positional and not any(isinstance(a, ast.Starred) for a in call.args)


def _harmless_ddl(text: str, verb: str) -> bool:
    upper = " ".join(text.split()).upper()
    return verb == "CREATE INDEX" and "UNIQUE" not in upper.split(" ON ", 1)[0]


def _is_true(call: ast.Call, keyword: str) -> bool:
    return any(
        kw.arg == keyword and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
        for kw in call.keywords
    )


def _not_null_without_default(call: ast.Call) -> bool:
    """`add_column(t, Column(..., nullable=False))` without a server default needs empty rows."""
    for sub in ast.walk(call):
        if isinstance(sub, ast.Call) and _callee(sub) == "Column":
            keywords = {kw.arg: kw.value for kw in sub.keywords}
            nullable = keywords.get("nullable")
            if (
                isinstance(nullable, ast.Constant)
                and nullable.value is False
                and "server_default" not in keywords
            ):
                return True
            if nullable is not None and not isinstance(nullable, ast.Constant):
                return True
    return False


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _op_name(call: ast.Call) -> str | None:
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "op"
    ):
        return func.attr
    return None


def _calls_in_order(node: ast.AST, skip: frozenset[int] = frozenset()) -> list[ast.Call]:
    """The calls in a statement that run first to last: outer calls before their arguments'
    builders do not matter here, so source order of the outermost calls is enough."""
    found: list[ast.Call] = []

    def visit(item: ast.AST) -> None:
        if id(item) in skip:  # a data statement that moves too (inside a `with` block)
            return
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(item, ast.Call):
            found.append(item)
            # arguments of an op call build values (sa.Column...): not separate operations
            if _op_name(item) is not None or _callee(item) in ("execute", "exec_driver_sql"):
                return
        for child in ast.iter_child_nodes(item):
            visit(child)

    visit(node)
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def following(
    function: ast.FunctionDef | ast.AsyncFunctionDef, ancestors: Sequence[ast.AST], stmt: ast.stmt
) -> list[tuple[ast.stmt, ast.stmt]]:
    """(top-level statement, statement) pairs that run after `stmt` in `function`, in order.

    `ancestors` are the statement's (outermost first); only `with` blocks sit between the
    function and the statement (the planner refuses anything else).
    """
    chain = [a for a in ancestors[list(ancestors).index(function) + 1 :] if isinstance(a, ast.stmt)]
    chain = [*chain, stmt] if not chain or chain[-1] is not stmt else chain
    top = chain[0]
    out: list[tuple[ast.stmt, ast.stmt]] = []
    for depth in range(len(chain) - 1, 0, -1):
        block = getattr(chain[depth - 1], "body", [])
        index = next((i for i, s in enumerate(block) if s is chain[depth]), len(block))
        out += [(top, s) for s in block[index + 1 :]]
    index = next((i for i, s in enumerate(function.body) if s is top), len(function.body))
    out += [(s, s) for s in function.body[index + 1 :]]
    return out


def preceding(
    function: ast.FunctionDef | ast.AsyncFunctionDef, ancestors: Sequence[ast.AST], stmt: ast.stmt
) -> list[tuple[ast.stmt, ast.stmt]]:
    """The statements that ran before `stmt` in `function` (for downgrade data), in order."""
    chain = [a for a in ancestors[list(ancestors).index(function) + 1 :] if isinstance(a, ast.stmt)]
    chain = [*chain, stmt] if not chain or chain[-1] is not stmt else chain
    top = chain[0]
    index = next((i for i, s in enumerate(function.body) if s is top), 0)
    out: list[tuple[ast.stmt, ast.stmt]] = [(s, s) for s in function.body[:index]]
    for depth in range(1, len(chain)):
        block = getattr(chain[depth - 1], "body", [])
        idx = next((i for i, s in enumerate(block) if s is chain[depth]), 0)
        out += [(top, s) for s in block[:idx]]
    return out


class Dependencies:
    """The operations of one module, read once per plan."""

    def __init__(self, tree: ast.Module, text: str, scope: Scope, dialect: str) -> None:
        self.reader = _Reader(tree, text, scope, dialect)
        self._read: dict[tuple[int, int, frozenset[int]], list[Operation]] = {}

    def operations(
        self, pairs: Sequence[tuple[ast.stmt, ast.stmt]], skip: frozenset[int] = frozenset()
    ) -> list[Operation]:
        """The operations of `pairs` (top-level statement, statement); statements whose id is
        in `skip` (data statements that move as well) are left out wherever they sit."""
        self.reader.skip = skip
        out: list[Operation] = []
        for top, stmt in pairs:
            key = (id(top), id(stmt), skip)  # every candidate reads the statements after it
            found = self._read.get(key)
            if found is None:
                found = self._read[key] = list(self.reader.operations(top, stmt))
            out += found
        return out

    def function_operations(self, name: str) -> list[Operation]:
        """Every operation of the module-level function `name` (a later revision's upgrade())."""
        for stmt in self.reader.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
                return self.operations([(s, s) for s in stmt.body])
        return []


def first_dependent(
    footprint: Footprint, ops: Sequence[Operation], *, crossed_backwards: bool = False
) -> Operation | None:
    """The first of `ops` that needs the data first.

    With `crossed_backwards` the data would now run *before* `ops` (downgrade data run ahead
    of the revert): then an operation that only adds (a column, a table) counts too, since the
    data may need what it adds.
    """
    if crossed_backwards:
        ops = [op if not op.known else op.strict() for op in ops]
    return next((op for op in ops if op.depends_on(footprint)), None)


def reason_for(op: Operation) -> str:
    if not op.known:
        return f"ddlguard cannot tell what `{op.label}` touches"
    return f"`{op.label}` needs the data first"
