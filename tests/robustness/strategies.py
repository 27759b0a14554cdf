"""Hypothesis strategies for hostile and realistic migration sources.

Three families, from most to least structured:

- `migrations()`: valid migrations mixing Alembic schema operations with data operations
  written in every form the engine reads (literals, implicit and `+` concatenation, f-strings,
  `.format`, `%`, names bound earlier, `sa.text`, `conn.execute`...), with CRLF/CR line
  endings, tabs, a BOM, and non-ASCII and astral characters placed *before* calls on the same
  line, where a wrong column unit shows.
- `typed_migrations()`: a valid migration after random edits, as when someone is typing.
- `random_sources()`: arbitrary bytes and text.

Each generated migration remembers the exact text of the calls it inserted (`Doc.calls`),
so a test can check that a finding's range covers one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import strategies as st

# Characters that break naive column or line arithmetic: multi-byte UTF-8, astral (two UTF-16
# units), form feed, the Unicode line separator (a line break for str.splitlines, not for
# Python or LSP), tab, and a zero-width joiner.
NOISE_CHARS = ("é", "中", "😀", "\U0001d518", "👩\u200d💻", "\u2028", "\x0c", "\t", "ß", "\u00a0")

TABLES = ("users", "accounts", "orders", "öffentlich", "events")

DML = (
    "UPDATE {t} SET active = true WHERE id > 10",
    "INSERT INTO {t} (id, name) VALUES (1, 'né😀')",
    "DELETE FROM {t} WHERE created_at < now() - interval '1 day'",
    "TRUNCATE {t}",
    "WITH x AS (SELECT id FROM {t}) UPDATE {t} SET id = id + 1",
)
DDL = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{t}_x ON {t} (x)",
    "ALTER TABLE {t} ADD COLUMN note text",
    "COMMENT ON TABLE {t} IS 'é 😀'",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
)
READS = ("SELECT id, name FROM {t} WHERE id = 1",)


@dataclass
class Doc:
    """A generated source: its text and the exact text of every call it inserted."""

    text: str
    calls: list[str] = field(default_factory=list)
    # (call text, the code it must get: DG001..DG004, or "" when it must get none)
    expected: list[tuple[str, str]] = field(default_factory=list)
    bom: bool = False
    newline: str = "\n"

    @property
    def analysed_text(self) -> str:
        """The text positions refer to: the document without its BOM."""
        return self.text[1:] if self.bom else self.text


@dataclass
class _Stmt:
    """Lines of one generated statement (without indentation) and the calls in it."""

    lines: list[str]
    calls: list[str]
    expected: list[tuple[str, str]] = field(default_factory=list)


def _py_str(text: str, quote: str) -> str:
    """A Python string literal for `text` with the chosen quoting."""
    if quote == '"""':
        return '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + body + quote


@st.composite
def sql_texts(draw: st.DrawFn) -> tuple[str, str]:
    """(SQL, the code executing it must get: "DG001" for data changes, "" for DDL, "?" reads)."""
    pool, code = draw(st.sampled_from(((DML, "DG001"), (DML, "DG001"), (DDL, ""), (READS, "?"))))
    return draw(st.sampled_from(pool)).format(t=draw(st.sampled_from(TABLES))), code


@st.composite
def sql_expressions(draw: st.DrawFn) -> tuple[list[str], str]:
    """(lines to put before, an expression) that evaluates to SQL text in one of the read forms."""
    sql, _ = draw(sql_texts())
    return draw(sql_forms(sql))


@st.composite
def sql_forms(draw: st.DrawFn, sql: str) -> tuple[list[str], str]:
    """`sql` spelled as one of the Python expressions the engine reads."""
    quote = draw(st.sampled_from(('"', "'", '"""')))
    form = draw(
        st.sampled_from(
            ("literal", "implicit", "plus", "fstring", "format", "percent", "name", "sa_text")
        )
    )
    cut = draw(st.integers(0, len(sql)))
    head, tail = sql[:cut], sql[cut:]
    table = next((t for t in TABLES if t in sql), None)
    if form == "literal":
        return [], _py_str(sql, quote)
    if form == "implicit":
        return [], f"{_py_str(head, quote)} {_py_str(tail, quote)}"
    if form == "plus":
        return [], f"{_py_str(head, quote)} + {_py_str(tail, quote)}"
    if form in ("fstring", "format", "percent") and table:
        i = sql.index(table)
        before, after = sql[:i], sql[i + len(table) :]
        pre = [f"table = {_py_str(table, quote)}"]
        if form == "fstring":
            esc = (before + "{table}" + after).replace("{", "{{").replace("}", "}}")
            esc = esc.replace("{{table}}", "{table}")
            return pre, "f" + _py_str(esc, quote)
        if form == "format":
            esc = before.replace("{", "{{").replace("}", "}}") + "{}"
            esc += after.replace("{", "{{").replace("}", "}}")
            return pre, _py_str(esc, quote) + ".format(table)"
        esc = before.replace("%", "%%") + "%s" + after.replace("%", "%%")
        return pre, _py_str(esc, quote) + " % (table,)"
    if form == "name":
        return [f"stmt = {_py_str(sql, quote)}"], "stmt"
    wrapper = draw(st.sampled_from(("sa.text", "text")))
    return [], f"{wrapper}({_py_str(sql, quote)})"


@st.composite
def noise(draw: st.DrawFn) -> str:
    """A short string of awkward characters."""
    return "".join(draw(st.lists(st.sampled_from(NOISE_CHARS), min_size=1, max_size=4)))


@st.composite
def data_statements(draw: st.DrawFn) -> _Stmt:
    """One data operation in one of the call forms the engine reads."""
    kind = draw(
        st.sampled_from(("op", "conn", "bind", "context", "driver", "bulk", "core", "session"))
    )
    if kind in ("op", "conn", "bind", "context", "driver"):
        sql, code = draw(sql_texts())
        pre, expr = draw(sql_forms(sql))
        if kind == "driver" and expr.startswith(("sa.text(", "text(")):
            expr = expr[expr.index("(") + 1 : -1]
        callee = {
            "op": "op.execute",
            "conn": "conn.execute",
            "bind": "op.get_bind().execute",
            "context": "context.execute",
            "driver": "conn.exec_driver_sql",
        }[kind]
        if kind in ("conn", "driver"):
            pre = ["conn = op.get_bind()", *pre]
        if kind == "conn" and not expr.startswith(("sa.text(", "text(")):
            expr = f"sa.text({expr})"
        call = f"{callee}({expr})"
        return _Stmt([*pre, call], [call], [(call, code)])
    table = draw(st.sampled_from(TABLES))
    tdef = f't = sa.table("{table}", sa.column("id", sa.Integer), sa.column("name", sa.String))'
    if kind == "bulk":
        call = 'op.bulk_insert(t, [{"id": 1, "name": "a😀"}, {"id": 2, "name": None}])'
        return _Stmt([tdef, call], [call], [(call, "DG003")])
    if kind == "core":
        construct = draw(
            st.sampled_from(
                (
                    't.update().where(t.c.id == 1).values(name="x")',
                    'sa.insert(t).values(id=1, name="é")',
                    "sa.delete(t).where(t.c.id > 3)",
                )
            )
        )
        call = f"op.execute({construct})"
        return _Stmt([tdef, call], [call], [(call, "DG002")])
    call = "session.query(User).filter_by(active=False).delete()"
    lines = ["session = Session(bind=op.get_bind())", call, "session.commit()"]
    return _Stmt(lines, [call, "session.commit()"], [(call, "DG004")])


@st.composite
def schema_statements(draw: st.DrawFn) -> _Stmt:
    """A schema operation that must never be reported."""
    table = draw(st.sampled_from(TABLES))
    line = draw(
        st.sampled_from(
            (
                f'op.add_column("{table}", sa.Column("x", sa.Integer(), nullable=True))',
                f'op.drop_column("{table}", "x")',
                f'op.create_index("ix_{table}", "{table}", ["id"])',
                f'op.alter_column("{table}", "x", server_default=sa.text("now()"))',
                f'op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))',
                f'note = "UPDATE {table} SET x = 1"  # never executed',
                f"# op.execute('DELETE FROM {table}')",
            )
        )
    )
    return _Stmt([line], [])


@st.composite
def decorated(draw: st.DrawFn, stmt: _Stmt) -> _Stmt:
    """Put awkward characters on the line before the call and/or before it on the same line."""
    lines = list(stmt.lines)
    where = draw(st.sampled_from(("none", "comment", "same_line", "both")))
    if where in ("comment", "both"):
        lines.insert(0, f"# {draw(noise())}")
    if where in ("same_line", "both") and lines:
        # `ñ = "…"; call` puts non-ASCII and astral characters before the call's column
        lines[-1] = f"ñ = {_py_str(draw(noise()), chr(34))}; {lines[-1]}"
    return _Stmt(lines, stmt.calls, stmt.expected)


@st.composite
def wrapped(draw: st.DrawFn, stmt: _Stmt) -> _Stmt:
    """The statement as written in real migrations: bare, or inside a block or a local helper."""
    kind = draw(st.sampled_from(("bare", "bare", "bare", "autocommit", "helper", "if", "try")))
    if kind == "bare":
        return stmt
    inner = ["    " + line for line in stmt.lines]
    lines = {
        "autocommit": ["with op.get_context().autocommit_block():", *inner],
        "helper": ["def _data():", *inner, "", "_data()"],
        "if": ['if context.get_x_argument(as_dictionary=True).get("data"):', *inner],
        "try": ["try:", *inner, "finally:", "    pass"],
    }[kind]
    return _Stmt(lines, stmt.calls, stmt.expected)


@st.composite
def function_bodies(draw: st.DrawFn) -> _Stmt:
    items = draw(
        st.lists(st.one_of(data_statements(), schema_statements()), min_size=0, max_size=5)
    )
    out = _Stmt([], [])
    for item in items:
        item = draw(decorated(item))
        if item.expected:  # a data operation (never a lone comment, which cannot be a block)
            item = draw(wrapped(item))
        out.lines.extend(item.lines)
        out.calls.extend(item.calls)
        out.expected.extend(item.expected)
    out.lines.append("pass")  # a body of comments alone is not valid Python
    return out


@st.composite
def migrations(draw: st.DrawFn) -> Doc:
    """A valid migration (Python that `ast.parse` accepts) with data and schema operations."""
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    indent = draw(st.sampled_from(("    ", "\t", "  ")))
    bom = draw(st.booleans())
    message = draw(st.sampled_from(("add users", "backfill é 😀", "seed\u2028data")))
    up = draw(function_bodies())
    down = draw(function_bodies())
    lines = [
        f'"""{message}',
        "",
        "Revision ID: abc123",
        '"""',
        "from alembic import op, context",
        "import sqlalchemy as sa",
        "from sqlalchemy import text",
        "from sqlalchemy.orm import Session",
        "",
        'revision = "abc123"',
        draw(st.sampled_from(("down_revision = None", 'down_revision = "0001"'))),
        "",
        "",
        "def upgrade() -> None:",
        *(indent + line for line in up.lines),
        "",
        "",
        "def downgrade():",
        *(indent + line for line in down.lines),
        "",
    ]
    text = newline.join(lines)
    calls, expected = up.calls + down.calls, up.expected + down.expected
    return Doc(("\ufeff" if bom else "") + text, calls, expected, bom, newline)


# Pieces a typist inserts or leaves half-written.
TYPING = ("(", ")", '"', "'", '"""', "f", "{", "}", "[", "]", ":", ",", ".", "\\", "#", " ",
          "\n", "\r\n", "\t", "op.", "execute(", "sa.text(", "UPDATE ", "😀", "é", "\x00",
          "\u2028", "def ", "    ", "=", "%", "+")  # fmt: skip


_TOKEN = re.compile(r"\w+|\"\"\"|[^\w\s]")


@st.composite
def typed_migrations(draw: st.DrawFn) -> str:
    """A migration after 1-6 edits at random places: characters or a whole token deleted,
    typed pieces inserted, a span duplicated (paste), the end cut off."""
    text = draw(migrations()).text
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(("delete", "token", "insert", "duplicate", "truncate")))
        if action == "token":  # the next whole token (name, number, operator) disappears
            match = _TOKEN.search(text, pos)
            if match:
                text = text[: match.start()] + text[match.end() :]
        elif action == "delete":
            end = draw(st.integers(pos, min(len(text), pos + 12)))
            text = text[:pos] + text[end:]
        elif action == "insert":
            piece = draw(st.one_of(st.sampled_from(TYPING), st.text(max_size=3)))
            text = text[:pos] + piece + text[pos:]
        elif action == "duplicate":
            end = draw(st.integers(pos, min(len(text), pos + 40)))
            text = text[:end] + text[pos:end] + text[end:]
        else:
            text = text[:pos]
    return text


@st.composite
def random_sources(draw: st.DrawFn) -> str | bytes:
    """Arbitrary bytes, arbitrary text (surrogates included), or a migration's bytes corrupted."""
    kind = draw(st.sampled_from(("bytes", "text", "corrupt")))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "text":
        return draw(st.text(max_size=400))
    data = bytearray(draw(migrations()).text.encode("utf-8", "surrogatepass"))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    return bytes(data)
