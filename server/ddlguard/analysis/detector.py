"""DG001 to DG006: every call in a migration that sends a data operation to the database.

One finding per executing call (`op.execute(...)`, `conn.execute(...)`, `session.add(...)`,
`op.bulk_insert(...)`). What the call executes is found by abstract evaluation (`evaluate`),
SQL text is classified by `ddlguard.sql.classify_sql` for the dialect, and each finding says
which migration function runs it (`reach`) and whether the fix can move it (`renderable`).
"""

from __future__ import annotations

import ast
from typing import Any

from ddlguard.analysis import peewee
from ddlguard.analysis.evaluate import Evaluator, describe
from ddlguard.analysis.gate import EXEC_METHODS, INTERESTING, ORM_METHODS, PREFIXES
from ddlguard.analysis.prescan import mentions
from ddlguard.analysis.reach import phases
from ddlguard.analysis.renderable import why_not_bulk_insert, why_not_core
from ddlguard.analysis.scope import Index, Scope
from ddlguard.analysis.values import (
    CONN,
    CONTEXT,
    OP,
    SESSION,
    Api,
    CoreDml,
    CoreSelect,
    Method,
    Module,
    Num,
    PeeweeQuery,
    PeeweeRow,
    Text,
    TextClause,
    Unknown,
    Value,
)
from ddlguard.model import Applicability, Finding, FixHint, Range
from ddlguard.positions import split_lines, utf8_to_codepoints
from ddlguard.rules import RULES
from ddlguard.sql import SqlStatement, StatementKind, classify_sql

ROW_METHODS = frozenset({"scalar", "scalars"})
_INTERESTING = INTERESTING
_PREFIXES = PREFIXES
_SQL_KEYWORDS = ("statement", "sqltext", "sql", "object_", "clause", "operation")
_OWN_KEYWORDS = frozenset({*_SQL_KEYWORDS, "execution_options"})

RUN_TIME = "the SQL is built at run time"
RESULT_USED = "its result is used"
PARAMETERS = "its parameters are bound at run time"
SEVERAL = "the SQL has several possible values"
BOTH_PHASES = "it runs in both upgrade() and downgrade()"
NO_PHASE = "it does not run in upgrade() or downgrade()"
CONDITIONAL = "it runs conditionally or in a loop"
SEVERAL_CALLERS = "its function is called from several places"
NOT_RENDERED = "peewee queries are not rendered to SQL"


def detect(tree: ast.Module, source: str, *, dialect: str = "postgresql") -> list[Finding]:
    """The data-operation findings of one parsed migration, in source order.

    Every finding is on a call of one of `_INTERESTING`'s methods (or a `bulk_*` one), or of a
    name imported as `alembic.op.execute`/`bulk_insert`, whose import spells the word too: a
    file that never spells one of them has none, and most migrations only change the schema.
    A file importing peewee is read whole: its models' `.save()` spells none of them.
    """
    if not mentions(source, _INTERESTING, _PREFIXES) and not imports_peewee(tree, source):
        return []
    return _Detector(tree, source, dialect).run()


def imports_peewee(tree: ast.Module, source: str) -> bool:
    """Does the module import peewee or playhouse (at its top level, or under an `if`/`try`)?

    The text is searched first: nearly every file never spells either name.
    """
    if "peewee" not in source and "playhouse" not in source:
        return False
    body = list(tree.body)
    for stmt in body:
        if isinstance(stmt, ast.Import):
            if any(a.name.split(".", 1)[0] in peewee.ROOTS for a in stmt.names):
                return True
        elif isinstance(stmt, ast.ImportFrom):
            if not stmt.level and (stmt.module or "").split(".", 1)[0] in peewee.ROOTS:
                return True
        elif isinstance(stmt, (ast.If, ast.Try)):
            body.extend(stmt.body)
            body.extend(stmt.orelse)
    return False


class _Executed:
    """What one executing call sends, sorted by what it means for the rules (a plain class:
    never compared or copied, and a dataclass costs start-up time)."""

    __slots__ = ("alternatives", "bound", "core", "dml", "reads", "unreadable")

    def __init__(self, alternatives: int) -> None:
        self.dml: list[tuple[Text, list[SqlStatement]]] = []
        self.core: list[CoreDml] = []
        self.unreadable: list[str] = []
        self.reads: list[tuple[str, bool]] = []  # (statement, locking)
        self.alternatives = alternatives
        self.bound = False


class _Detector:
    def __init__(self, tree: ast.Module, source: str, dialect: str) -> None:
        self.lines = split_lines(source)
        self.dialect = dialect
        self.peewee = imports_peewee(tree, source)
        methods = _INTERESTING | peewee.METHODS if self.peewee else _INTERESTING
        self.index = Index(tree, source, methods=methods, prefixes=_PREFIXES)
        self.ev = Evaluator(self.index, peewee_models=self.peewee)
        self.phases = phases(self.index)
        self._loads_by_scope: dict[int, set[str]] = {}
        self._loads_version = -1

    def run(self) -> list[Finding]:
        findings: list[Finding] = []
        for call in self.index.calls:
            try:
                finding = self._check(call)
            except RecursionError:  # a 5,000-term concatenation: valid Python, unreadable here
                message = "SQL that cannot be read statically (too deeply nested)"
                finding = self._finding("DG006", call, message, "dynamic", None)
            if finding is not None:
                findings.append(finding)
        return findings

    # -- which calls execute ---------------------------------------------------------------

    def _check(self, call: ast.Call) -> Finding | None:
        func = call.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            wanted = method in _INTERESTING or method.startswith(_PREFIXES)
            if self.peewee and method in peewee.METHODS:
                receivers = self.ev.eval(func.value)
                found = self._peewee(call, receivers, method)
                if found is not None or not wanted:
                    return found
                return self._call_on(call, receivers, method)
            if not wanted:
                return None  # `sa.Column(...)`, `op.add_column(...)`: nothing to evaluate
            return self._call_on(call, self.ev.eval(func.value), method)
        if not isinstance(func, ast.Name) or (
            func.id not in self.index.imported_names and func.id not in self.index.alias_names
        ):
            return None
        for callee in self.ev.eval(func):
            if isinstance(callee, Module):
                if callee.path == "alembic.op.bulk_insert":
                    return self._bulk_insert(call)
                if callee.path in ("alembic.op.execute", "alembic.context.execute"):
                    return self._executed(call, "execute")
            elif isinstance(callee, Method):  # `run = op.execute; run(sql)`
                found = self._call_on(call, (callee.api,), callee.name)
                if found is not None:
                    return found
        return None

    def _call_on(self, call: ast.Call, receivers: tuple[Value, ...], method: str) -> Finding | None:
        """`receiver.method(...)` (or an alias of it) for each thing the receiver may be."""
        if OP in receivers and method == "bulk_insert":
            return self._bulk_insert(call)
        if (OP in receivers or CONTEXT in receivers) and method == "execute":
            return self._executed(call, method)
        if CONN in receivers and method in EXEC_METHODS:
            return self._executed(call, method)
        if SESSION in receivers and (method in ORM_METHODS or method.startswith(_PREFIXES)):
            if method in EXEC_METHODS and self._sends_sql(call):
                # the code follows the statement: Core or SQL text through a session
                return self._executed(call, method)
            return self._orm(call, method)
        if (
            method in EXEC_METHODS
            and not any(isinstance(r, Api) for r in receivers)
            and self._sends_sql(call, text=False)
        ):
            # an unknown object executing a SQLAlchemy construct is a connection
            return self._executed(call, method)
        return None

    def _peewee(self, call: ast.Call, receivers: tuple[Value, ...], method: str) -> Finding | None:
        """A peewee model's query run, row written or rows read (a file importing peewee)."""
        if method == "execute_sql":  # `database.execute_sql("UPDATE ...")`
            return self._executed(call, "execute")
        for receiver in receivers:
            if isinstance(receiver, PeeweeQuery):
                if method == "execute" and receiver.write:
                    return self._peewee_write(call, receiver)
                if not receiver.write and (
                    method in peewee.READS
                    or method == "execute"
                    or (method in peewee.CHAIN and self._runs_query(call))
                ):
                    return self._peewee_read(call, receiver.model)
            elif isinstance(receiver, PeeweeRow) and method in ("save", "delete_instance"):
                return self._orm(call, method)
            else:
                model = self.ev.model_name(receiver)
                if model is None:
                    continue
                if method in peewee.ORM_WRITES:
                    return self._orm(call, method)
                if method in peewee.READS or (method == peewee.SELECT and self._runs_query(call)):
                    return self._peewee_read(call, model)
        return None

    def _runs_query(self, call: ast.Call) -> bool:
        """A select chain ending here that is iterated, passed on or kept (not chained on)."""
        parent = self._parent(call)
        if isinstance(parent, ast.Attribute):
            return False  # `.where(...)`, `.count()`: the chain goes on, the last call decides
        return self._result_used(call)

    def _peewee_write(self, call: ast.Call, query: PeeweeQuery) -> Finding:
        label = f"{query.verb} on {query.model}"
        fix = FixHint(Applicability.NONE, "", NOT_RENDERED)
        return self._finding("DG002", call, f"{label} via peewee", "core", fix, label=label)

    def _peewee_read(self, call: ast.Call, model: str) -> Finding:
        label = f"SELECT on {model}"
        return self._finding("DG005", call, f"{label}: rows read", "read", None, label=label)

    def _sends_sql(self, call: ast.Call, *, text: bool = True) -> bool:
        """Is the executed argument SQL text (when `text`) or a SQLAlchemy construct?"""
        arg = _sql_argument(call)
        if arg is None:
            return False
        kinds = (
            (TextClause, CoreDml, CoreSelect, Text) if text else (TextClause, CoreDml, CoreSelect)
        )
        return any(isinstance(v, kinds) for v in self.ev.eval(arg))

    # -- the rules -------------------------------------------------------------------------

    def _executed(self, call: ast.Call, method: str) -> Finding | None:
        arg = _sql_argument(call)
        if arg is None:
            return None
        sent = self._classify(self.ev.eval(arg))
        sent.bound = (
            sent.bound
            or len(call.args) > 1
            or any(k.arg not in _OWN_KEYWORDS for k in call.keywords)
        )
        used = method in ROW_METHODS or self._result_used(call)
        if sent.dml:
            return self._dml(call, sent)
        if sent.core:
            return self._core(call, sent)
        if sent.unreadable:
            why = sent.unreadable[0]
            return self._finding(
                "DG006", call, f"SQL that cannot be read statically ({why})", "dynamic", None
            )
        locking = [r for r in sent.reads if r[1]]
        if locking or (sent.reads and used):
            statement, lock = (locking or sent.reads)[0]
            verb = "rows locked" if lock else "rows read"
            return self._finding(
                "DG005", call, f"{statement}: {verb}", "read", None, label=statement
            )
        return None

    def _classify(self, values: tuple[Value, ...]) -> _Executed:
        sent = _Executed(alternatives=len(values))
        for value in values:
            if isinstance(value, TextClause):
                sent.bound = sent.bound or value.bound
                sent.alternatives += len(value.sql) - 1
                for sql in value.sql:
                    self._classify_one(sql, sent)
            else:
                self._classify_one(value, sent)
        return sent

    def _classify_one(self, value: Value, sent: _Executed) -> None:
        if isinstance(value, Text):
            statements = classify_sql(value.text, self.dialect)
            dml = [s for s in statements if s.kind is StatementKind.DML]
            unknown = [s for s in statements if s.kind is StatementKind.UNKNOWN]
            if dml:
                sent.dml.append((value, dml))
            elif unknown:
                verb = unknown[0].verb
                hole = not value.static or verb in ("?", "")
                sent.unreadable.append(
                    "its verb is built at run time" if hole else f"cannot classify {verb}"
                )
            for s in statements:
                if s.kind is StatementKind.READ:
                    sent.reads.append((_read_label(s), s.locking))
        elif isinstance(value, CoreDml):
            sent.core.append(value)
        elif isinstance(value, CoreSelect):
            label = f"SELECT on {value.table}" if value.table else "SELECT"
            sent.reads.append((_lock_label(label) if value.locking else label, value.locking))
        elif isinstance(value, Unknown):
            sent.unreadable.append(value.why)
        elif isinstance(value, Module) and value.root not in ("sqlalchemy", "alembic", "sqlmodel"):
            sent.unreadable.append(f"imported from {value.path.rsplit('.', 1)[0] or 'a module'}")

    def _dml(self, call: ast.Call, sent: _Executed) -> Finding:
        text, statements = sent.dml[0]
        label = statements[0].describe()
        if len(statements) > 1:
            label += f" (+{len(statements) - 1} more)"
        static = text.static and sent.alternatives == 1 and not sent.unreadable
        reasons = [
            (not text.static or bool(sent.unreadable), RUN_TIME),
            (sent.alternatives > 1, SEVERAL),
            (sent.bound, PARAMETERS),
            (not self._standalone(call), RESULT_USED),
        ]
        return self._finding(
            "DG001",
            call,
            label,
            "sql",
            self._fix(call, label, reasons),
            sql=text.text if static else None,
        )

    def _core(self, call: ast.Call, sent: _Executed) -> Finding:
        core = sent.core[0]
        label = f"{core.verb} on {core.table}"
        root = self._call_at(core.root)
        reasons = [
            (root is None, RUN_TIME),
            (sent.alternatives > 1, SEVERAL),
            (sent.bound, PARAMETERS),
            (not self._standalone(call), RESULT_USED),
        ]
        why = why_not_core(root) if root is not None else None
        if why is None and root is not None:
            why = self._run_time_values(root)
        if why:
            reasons.insert(0, (True, why))
        fix = self._fix(call, label, reasons)
        return self._finding(
            "DG002", call, f"{label} via SQLAlchemy Core", "core", fix, label=label
        )

    def _run_time_values(self, root: ast.Call) -> str | None:
        """A second opinion on `.values(...)`: each value must be a constant we can read."""
        node: ast.expr = root
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("values", "ordered_values"):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if not self._constant(arg):
                        return "its values are computed at run time"
            elif node.func.attr in ("where", "filter", "filter_by"):
                # `t.c.id == user_id`: a bare name in a condition is a run-time value
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    for sub in ast.walk(arg):
                        if (
                            isinstance(sub, ast.Name)
                            and self._bare(sub, arg)
                            and not self._constant(sub)
                        ):
                            return "its conditions use values computed at run time"
            node = node.func.value
        return None

    def _bare(self, name: ast.Name, top: ast.expr) -> bool:
        """A name used as a value, not as the start of `t.c.x` or a call like `sa.column()`."""
        parent = self.index.parent_of(name)
        return (
            name is top
            or not isinstance(parent, (ast.Attribute, ast.Call))
            or (isinstance(parent, ast.Call) and parent.func is not name)
        )

    def _constant(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(self._constant(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(k is not None and self._constant(k) for k in node.keys) and all(
                self._constant(v) for v in node.values
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            return True
        if isinstance(node, ast.Call):
            # date(2024, 1, 1), sa.null(), sa.true(): literal constructors, no run-time input
            return (
                not node.keywords
                and all(self._constant(a) for a in node.args)
                and not isinstance(node.func, ast.Call)
                and _callee_name(node.func) in _LITERAL_CONSTRUCTORS
            )
        values = self.ev.eval(node)
        return (
            len(values) == 1
            and isinstance(values[0], (Text, Num))
            and (not isinstance(values[0], Text) or values[0].static)
        )

    def _bulk_insert(self, call: ast.Call) -> Finding:
        table = self.ev.table_name(call.args[0]) if call.args else "?"
        label = f"INSERT on {table}"
        why = why_not_bulk_insert(call)
        fix = self._fix(
            call, label, [(why is not None, why or ""), (not self._standalone(call), RESULT_USED)]
        )
        return self._finding(
            "DG003", call, f"{label} via op.bulk_insert()", "bulk_insert", fix, label=label
        )

    def _orm(self, call: ast.Call, method: str) -> Finding:
        func = call.func
        owner = describe(func.value) if isinstance(func, ast.Attribute) else describe(func)
        label = f"{owner}.{method}()" if isinstance(func, ast.Attribute) else f"{owner}()"
        return self._finding("DG004", call, f"ORM {label}", "orm", None, label=label)

    # -- building findings -----------------------------------------------------------------

    def _fix(self, call: ast.Call, label: str, reasons: list[tuple[bool, str]]) -> FixHint:
        found = self._phases(call)
        if found == {"upgrade", "downgrade"}:
            reasons.append((True, BOTH_PHASES))
        elif not found:
            reasons.append((True, NO_PHASE))
        else:
            why = self._not_once(call, set())
            reasons.append((why is not None, why or ""))
        for failed, reason in reasons:
            if failed:
                return FixHint(Applicability.NONE, "", reason)
        return FixHint(Applicability.UNSAFE, f"Move {label} to scripts/sql")

    def _not_once(self, call: ast.Call, seen: set[int]) -> str | None:
        """Why moving the call to a script would not run it exactly once, as the migration does.

        A call in a loop or under a condition, or in a helper called from several places,
        cannot become one unconditional script without changing what runs.
        """
        ctx = self.index.ctx[id(call)]
        if ctx.chain or ctx.scope.kind == "lambda":
            return CONDITIONAL
        function = ctx.scope.function
        if function is None or function.id in seen:
            return CONDITIONAL
        if _is_root(function):
            return None
        seen.add(function.id)
        sites = self.ev.call_sites().get(function.id, [])
        if len(sites) != 1:
            return SEVERAL_CALLERS
        return self._not_once(sites[0], seen)

    def _finding(
        self,
        code: str,
        call: ast.Call,
        message: str,
        kind: str,
        fix: FixHint | None,
        *,
        label: str | None = None,
        sql: str | None = None,
    ) -> Finding:
        ctx = self.index.ctx[id(call)]
        function = ctx.scope.function
        name = function.name if function is not None else None
        where = f"in {name}()" if name else "at module level"
        found = self._phases(call)
        phase = "upgrade" if "upgrade" in found else "downgrade" if found else None
        data: dict[str, Any] = {
            "kind": kind,
            "phase": phase,
            "function": name,
            "statement": label if label is not None else message,
            "sql": sql,
            "movable": fix is not None and fix.applicability is Applicability.UNSAFE,
        }
        return Finding(
            code=code,
            message=f"{message} {where}",
            severity=RULES[code].severity,
            range=self._range(call.lineno, call.col_offset, call.end_lineno, call.end_col_offset),
            statement_range=self._statement_range(call, ctx.stmt),
            fix=fix,
            data=data,
        )

    def _phases(self, call: ast.Call) -> frozenset[str]:
        function = self.index.ctx[id(call)].scope.function
        return self.phases.get(function.id, frozenset()) if function is not None else frozenset()

    def _range(self, line: int, col: int, end_line: int | None, end_col: int | None) -> Range:
        end_line = end_line or line
        return Range.of(line, self._col(line, col), end_line, self._col(end_line, end_col or 0))

    def _col(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return utf8_to_codepoints(text, byte_col)

    def _statement_range(self, call: ast.Call, stmt: ast.stmt | None) -> Range | None:
        """The simple statement holding the call; for a compound one, its header."""
        if stmt is None:
            return None
        header: ast.expr | None = None
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            header = stmt.iter
        elif isinstance(stmt, (ast.If, ast.While)):
            header = stmt.test
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            last = stmt.items[-1]
            header = last.optional_vars or last.context_expr
        elif isinstance(stmt, ast.Match):
            header = stmt.subject
        elif isinstance(
            stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try, ast.TryStar)
        ):
            header = call
        end: ast.expr | ast.stmt = header if header is not None else stmt
        return self._range(stmt.lineno, stmt.col_offset, end.end_lineno, end.end_col_offset)

    # -- how the result is used ------------------------------------------------------------

    def _parent(self, node: ast.AST) -> ast.AST | None:
        parent = self.index.parent_of(node)
        while isinstance(parent, ast.Await):
            parent = self.index.parent_of(parent)
        return parent

    def _standalone(self, call: ast.Call) -> bool:
        """An expression statement of its own: the fix can replace it without changing any use."""
        return isinstance(self._parent(call), ast.Expr)

    def _result_used(self, call: ast.Call) -> bool:
        parent = self._parent(call)
        if isinstance(parent, ast.Expr):
            return False
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) == len(targets):
                self.index.index_mentions(names)
                loads = self._loads(self.index.ctx[id(call)].scope)
                return any(isinstance(t, ast.Name) and t.id in loads for t in targets)
        return True

    def _loads(self, scope: Scope) -> set[str]:
        """Names read in the scope or any scope nested in it (closures read it too)."""
        if self._loads_version != self.index.version:
            # once per file (and walk of deferred expressions): every scope's reads count for
            # it and for all its ancestors
            self._loads_by_scope, self._loads_version = {}, self.index.version
            for sc in self.index.scopes:
                self._loads_by_scope.setdefault(sc.id, set())
                up: Scope | None = sc
                while up is not None:
                    self._loads_by_scope.setdefault(up.id, set()).update(sc.loads)
                    up = up.parent
        return self._loads_by_scope.get(scope.id, set(scope.loads))

    def _call_at(self, where: tuple[int, int, int, int]) -> ast.Call | None:
        return self.index.call_at(where)


_LITERAL_CONSTRUCTORS = frozenset(
    {
        "date",
        "datetime",
        "time",
        "timedelta",
        "Decimal",
        "UUID",
        "null",
        "true",
        "false",
        "inline_literal",
        "literal",
    }
)


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _is_root(scope: Scope) -> bool:
    return (
        scope.parent is not None
        and scope.parent.kind == "module"
        and bool(scope.name and scope.name.split("_", 1)[0] in ("upgrade", "downgrade"))
    )


def _sql_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    return next((k.value for k in call.keywords if k.arg in _SQL_KEYWORDS), None)


def _read_label(statement: SqlStatement) -> str:
    label = statement.describe()
    return _lock_label(label) if statement.locking else label


def _lock_label(label: str) -> str:
    return label.replace("SELECT", "SELECT ... FOR UPDATE", 1)
