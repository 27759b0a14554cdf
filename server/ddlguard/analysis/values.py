"""What a Python expression in a migration may evaluate to, as far as the detector cares.

The detector never runs the migration: it evaluates expressions abstractly. Each expression
yields a tuple of alternatives (a name assigned in two branches carries both values). Strings
keep their text, with `ddlguard.sql.HOLE` wherever a piece cannot be known statically.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeVar

from ddlguard.lazy_re import LazyPattern
from ddlguard.sql import HOLE

_T = TypeVar("_T")

# More alternatives than this and the value is "built at run time": keeps the work linear.
MAX_ALTERNATIVES = 16


def _same_kind_eq(self: tuple[Any, ...], other: object) -> bool:
    return type(self) is type(other) and tuple.__eq__(self, other)


def _same_kind_ne(self: tuple[Any, ...], other: object) -> bool:
    return not _same_kind_eq(self, other)


def _one_kind(cls: type[_T]) -> type[_T]:
    """Values compare equal only to values of their own class, as dataclasses do: a plain
    tuple would make `Module("op")` equal to `Api("op")`. The hash is the tuple's, which is
    what a frozen dataclass's hash of its fields was.

    These are `NamedTuple`s rather than frozen dataclasses because a dataclass costs ~3.6 M
    instructions to create and a one-file check imports these 16 (docs/performance.md).
    """
    kind: Any = cls  # methods set on a class after its creation are beyond mypy's types
    kind.__eq__, kind.__ne__, kind.__hash__ = _same_kind_eq, _same_kind_ne, tuple.__hash__
    return cls


@_one_kind
class Text(NamedTuple):
    """A Python `str` whose text is known, except for HOLE markers."""

    text: str

    @property
    def static(self) -> bool:
        return HOLE not in self.text


@_one_kind
class Num(NamedTuple):
    """An int/float/bool constant: only matters when formatted into SQL."""

    value: int | float | bool


@_one_kind
class Unknown(NamedTuple):
    """Anything the detector cannot read (a parameter, an imported constant, a call result)."""

    why: str = "built at run time"


@_one_kind
class TextClause(NamedTuple):
    """`sa.text(sql)` (and `.bindparams()`/`.params()`/`.execution_options()` chained on it)."""

    sql: tuple[Text | Unknown, ...]
    bound: bool = False  # parameters bound by `.bindparams(...)` / `.params(...)`


@_one_kind
class Table(NamedTuple):
    """`sa.table("users")`, `sa.Table("users", ...)`, or any object `.insert()` was called on."""

    name: str


@_one_kind
class CoreDml(NamedTuple):
    """A Core `insert`/`update`/`delete` construct; `root` is the outermost call building it."""

    verb: str
    table: str
    root: tuple[int, int, int, int]  # span of the outermost call: finds the node for the fix


@_one_kind
class CoreSelect(NamedTuple):
    """A Core `select()` construct: executed and used, it reads rows (DG005)."""

    locking: bool = False  # `.with_for_update()`
    table: str = ""  # the first table selected from, when known


@_one_kind
class Module(NamedTuple):
    """An imported module or name, by dotted path: `sqlalchemy`, `alembic.op`, `app.models.db`."""

    path: str

    @property
    def root(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def last(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@_one_kind
class Api(NamedTuple):
    """A known object: `op`, `context`, a connection/bind/engine/cursor, an ORM session..."""

    # "op" | "context" | "conn" | "session" | "session_factory" | "sa" (other SQLAlchemy) |
    # "tables" (a namespace of tables handed to `upgrade`)
    kind: str


@_one_kind
class Seq(NamedTuple):
    """A literal list/tuple/set: iterating over it gives its items."""

    items: tuple[tuple[Value, ...], ...]


@_one_kind
class Mapping(NamedTuple):
    """A literal dict with string keys: `QUERIES["backfill"]`, `.values()`, `.items()`."""

    keys: tuple[str, ...]
    values: tuple[tuple[Value, ...], ...]


@_one_kind
class Method(NamedTuple):
    """A method of a known object taken without calling it: `run = op.execute`."""

    api: Api
    name: str


@_one_kind
class ClassRef(NamedTuple):
    """A class defined in the analysed file (its body's scope id): `Queries.UPDATE` reads it."""

    scope_id: int


@_one_kind
class PeeweeQuery(NamedTuple):
    """A peewee query being built (`Model.update(...).where(...)`); `write`: it changes data."""

    verb: str
    model: str
    write: bool


@_one_kind
class PeeweeRow(NamedTuple):
    """A peewee model instance (`Model(...)`, `Model.get(...)`, a row of a select)."""

    model: str


@_one_kind
class FunctionRef(NamedTuple):
    """A function defined in the analysed file (its scope id)."""

    scope_id: int


Value = (
    Text
    | Num
    | Unknown
    | TextClause
    | Table
    | CoreDml
    | CoreSelect
    | Module
    | Api
    | Seq
    | Mapping
    | Method
    | ClassRef
    | PeeweeQuery
    | PeeweeRow
    | FunctionRef
)

OP = Api("op")
CONTEXT = Api("context")
CONN = Api("conn")
SESSION = Api("session")
SESSION_FACTORY = Api("session_factory")
SA_OTHER = Api("sa")
TABLES = Api("tables")  # the `tables` an `upgrade(op, tables)` signature is handed: `tables.users`
UNKNOWN = Unknown()


def limit(values: list[Value] | tuple[Value, ...]) -> tuple[Value, ...]:
    """De-duplicate, keeping order; too many alternatives collapse to Unknown."""
    out = tuple(dict.fromkeys(values))
    if len(out) > MAX_ALTERNATIVES:
        return (Unknown("has too many possible values"),)
    return out


def as_text(value: Value) -> str:
    """The text a value contributes when formatted into a string: HOLE when unknown."""
    if isinstance(value, Text):
        return value.text
    if isinstance(value, Num):
        return str(value.value)
    return HOLE


def format_value(value: Value, conversion: int, spec: str) -> str:
    """One f-string / `.format` field: apply `!r`/`!s` and a static format spec when possible."""
    if isinstance(value, Text) and value.static:
        base: object = value.text
    elif isinstance(value, Num):
        base = value.value
    else:
        return HOLE
    if conversion == ord("r"):
        base = repr(base)
    elif conversion in (ord("s"), ord("a")):
        base = str(base)
    try:
        return format(base, spec)
    except (ValueError, TypeError):
        return HOLE


_PERCENT = LazyPattern(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)


def percent_format(
    template: str, positional: list[str] | None, named: dict[str, str] | None
) -> str:
    """`template % args`, each field replaced by its known text or HOLE (never raises)."""
    index = 0

    def field(m: re.Match[str]) -> str:
        nonlocal index
        if m.group("conv") == "%":
            return "%"
        key = m.group("key")
        if key is not None:
            return (named or {}).get(key, HOLE)
        if positional is None:
            return HOLE
        index += 1
        return positional[index - 1] if index - 1 < len(positional) else HOLE

    return _PERCENT.sub(field, template)


_BRACE = LazyPattern(r"\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}")


def brace_format(template: str, positional: list[Value], named: dict[str, Value]) -> str:
    """`template.format(*args, **kwargs)`, unknown fields as HOLE (never raises)."""
    auto = 0

    def field(m: re.Match[str]) -> str:
        nonlocal auto
        whole = m.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        key, conv, spec = m.group(1), m.group(2), m.group(3) or ""
        head = re.split(r"[.\[]", key, maxsplit=1)[0]
        rest = key[len(head) :]
        value: Value = UNKNOWN
        if head == "":
            if auto < len(positional):
                value = positional[auto]
            auto += 1
        elif head.isdigit():
            value = positional[int(head)] if int(head) < len(positional) else UNKNOWN
        else:
            value = named.get(head, UNKNOWN)
        if rest:  # attribute or index access into the argument: not followed
            value = UNKNOWN
        return format_value(value, ord(conv) if conv else -1, spec)

    return _BRACE.sub(field, template)
