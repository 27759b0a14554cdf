"""What a DO block does: libpg_query's PL/pgSQL parser reads the body, each SQL statement in
it is classified like any other.

A DO block changes data when any statement in its body does, including `EXECUTE` of a string
whose text is known (a literal, `format('UPDATE %I ...', x)`, `'UPDATE ' || t || ' SET ...'`:
the literal parts show the verb). `EXECUTE` of anything else, `CALL`, or a body that cannot be
read makes it UNKNOWN. A body that only changes schema or reads (the catalog, typically) is DDL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from ddlguard.lazy_re import LazyPattern
from ddlguard.sql import libpg
from ddlguard.sql.model import HOLE, SqlStatement, StatementKind
from ddlguard.sql.placeholders import substitute
from ddlguard.sql.tokens import statement_words

Node = dict[str, Any]
Classify = Callable[[str], list[SqlStatement]]

_FORMAT_SPEC = LazyPattern(r"%(?:\d+\$)?-?\d*([IsL%])")
_DYNAMIC = {"PLpgSQL_stmt_dynexecute": "query", "PLpgSQL_stmt_dynfors": "query",
            "PLpgSQL_stmt_open": "dynquery", "PLpgSQL_stmt_return_query": "dynquery"}  # fmt: skip


_DML_WORDS = {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "COPY"}
_NOT_A_VERB_AFTER = {"FOR", "ON", "OR", "BEFORE", "AFTER", "OF", "INSTEAD"}  # FOR UPDATE, ON DELETE
_SUBSTITUTE_NAME = LazyPattern(r"_x*")  # what placeholders.substitute puts for `{}`, `%s`...


class DoResult(NamedTuple):
    """What a DO block does: its kind, and the tables it writes when it changes data."""

    kind: StatementKind  # DML, DDL or UNKNOWN
    tables: tuple[str, ...]  # the tables its DML writes


def _option(body: Node, name: str) -> str | None:
    for arg in body.get("args", []):
        elem = arg.get("DefElem", {})
        if elem.get("defname") == name:
            value = elem.get("arg", {}).get("String", {}).get("sval")
            return value if isinstance(value, str) else None
    return None


def _parse_body(source: str) -> list[Any] | None:
    """The PL/pgSQL tree of a DO body, wrapped as the function libpg_query expects."""
    tag = "ddlguard"
    while f"${tag}$" in source:
        tag += "_"
    head = "CREATE FUNCTION ddlguard_do() RETURNS void LANGUAGE plpgsql AS "
    pg_parser = libpg.parser()
    for candidate in substitute(source, "postgresql").candidates:
        try:
            wrapped = f"{head}${tag}${candidate}${tag}$"
            tree: list[Any] = json.loads(pg_parser.parse_plpgsql_json(wrapped))
        except (pg_parser.ParseError, ValueError, RecursionError):
            continue
        return tree
    return None


def _walk(value: Any) -> list[tuple[str, Node]]:
    """Every (PL/pgSQL node kind, node) pair, depth first, not inside dynamic queries.

    Iterative (a stack of (kind to report, node, what to walk)), in the order a recursive
    walk yields them: the order of the statements found decides the tables a message names.
    Scalars (most of a tree) are never pushed: they hold nothing.
    """
    out: list[tuple[str, Node]] = []
    stack: list[tuple[str | None, Any, Any]] = [(None, None, value)]
    push, pop = stack.append, stack.pop
    while stack:
        kind, node, walk = pop()
        if kind is not None:
            out.append((kind, node))
        if type(walk) is dict:  # JSON gives exact dicts and lists
            for key, item in reversed(walk.items()):
                if type(item) is dict and key.startswith("PLpgSQL_"):
                    skip = _DYNAMIC.get(key)
                    push(
                        (key, item, {k: v for k, v in item.items() if k != skip} if skip else item)
                    )
                elif type(item) is dict or type(item) is list:
                    push((None, None, item))
        elif type(walk) is list:
            for item in reversed(walk):
                if type(item) is dict or type(item) is list:
                    push((None, None, item))
    return out


def _expression(source: str) -> Node | None:
    """The parse tree of a PL/pgSQL expression (`SELECT <expr>`), or None."""
    pg_parser = libpg.parser()
    try:
        stmts = json.loads(pg_parser.parse_sql_json("SELECT " + source)).get("stmts", [])
        target = stmts[0]["stmt"]["SelectStmt"]["targetList"]
        value: Node = target[0]["ResTarget"]["val"]
    except (pg_parser.ParseError, ValueError, KeyError, IndexError, RecursionError):
        return None
    return value if len(target) == 1 else None


def _string(node: Node) -> str | None:
    const = node.get("A_Const")
    if const is not None:
        value = const.get("sval", {}).get("sval", "") if "sval" in const else None
        return value if isinstance(value, str) else None
    cast = node.get("TypeCast")
    return _string(cast["arg"]) if cast and "arg" in cast else None


def dynamic_text(node: Node) -> str | None:
    """The statement text an EXECUTE runs, with HOLE where it is computed; None if unreadable.

    A literal gives its text; `format(literal, ...)` its template with `%I`/`%L`/`%s` as
    holes; a `||` chain its literal parts around holes. At least one literal part is needed.
    """
    literal = _string(node)
    if literal is not None:
        return literal
    call = node.get("FuncCall")
    if call:
        names = [n.get("String", {}).get("sval") for n in call.get("funcname", [])]
        args = call.get("args", [])
        template = _string(args[0]) if names[-1:] == ["format"] and args else None
        if template is None:
            return None
        return _FORMAT_SPEC.sub(lambda m: "%" if m.group(1) == "%" else HOLE, template)
    pieces = _concat(node)
    if pieces and any(p is not None for p in pieces):
        return "".join(HOLE if p is None else p for p in pieces)
    return None


def _concat(node: Node) -> list[str | None] | None:
    expr = node.get("A_Expr")
    names = [n.get("String", {}).get("sval") for n in (expr or {}).get("name", [])]
    if not expr or names != ["||"]:
        return None
    out: list[str | None] = []
    for side in ("lexpr", "rexpr"):
        part = expr.get(side, {})
        nested = _concat(part)
        out.extend(nested if nested is not None else [_string(part)])
    return out


def _dynamic(query: Node | None, classify: Classify) -> list[SqlStatement] | None:
    """The statements an EXECUTE runs, or None when its text is computed."""
    source = (query or {}).get("PLpgSQL_expr", {}).get("query")
    node = _expression(source) if isinstance(source, str) else None
    text = dynamic_text(node) if node is not None else None
    if text is None:
        return None
    found = classify(text)
    return None if any(s.kind is StatementKind.UNKNOWN for s in found) else found


def classify_do(body: Node, classify: Classify) -> DoResult:
    """Classify a DoStmt's body; `classify` reads a statement's text (the PostgreSQL path)."""
    language = (_option(body, "language") or "plpgsql").lower()
    source = _option(body, "as")
    if language != "plpgsql" or source is None:
        return DoResult(StatementKind.UNKNOWN, ())
    tree = _parse_body(source)
    if tree is None:
        return _by_tokens(source)
    found: list[SqlStatement] = []
    unknown = False
    for kind, node in _walk(tree):
        if kind in _DYNAMIC:
            if _DYNAMIC[kind] not in node:
                continue
            statements = _dynamic(node.get(_DYNAMIC[kind]), classify)
            if statements is None:
                unknown = True
            else:
                found.extend(statements)
        elif kind == "PLpgSQL_stmt_call":
            unknown = True
        elif kind == "PLpgSQL_expr" and node.get("parseMode", 0) == 0 and "query" in node:
            found.extend(classify(node["query"]))
    written = [s for s in found if s.kind is StatementKind.DML]
    if written:
        tables = (t for s in written for t in s.tables if not _SUBSTITUTE_NAME.fullmatch(t))
        return DoResult(StatementKind.DML, tuple(dict.fromkeys(tables)))
    if unknown or any(s.kind is StatementKind.UNKNOWN for s in found):
        return DoResult(StatementKind.UNKNOWN, ())
    return DoResult(StatementKind.DDL, ())


def _by_tokens(source: str) -> DoResult:
    """A body libpg_query rejects: a data-changing verb anywhere makes it DML, else UNKNOWN."""
    words = statement_words(source)
    for i, word in enumerate(words):
        if word in _DML_WORDS and (not i or words[i - 1] not in _NOT_A_VERB_AFTER):
            return DoResult(StatementKind.DML, ())
    return DoResult(StatementKind.UNKNOWN, ())
