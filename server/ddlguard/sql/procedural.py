"""Procedural blocks outside PostgreSQL: Oracle/SQL Server `BEGIN ... END` and the bodies of
`CREATE TRIGGER/PROCEDURE/FUNCTION ... BEGIN ... END` (MySQL, SQLite, Oracle).

A block is one statement: its inner `;` do not end it (`block_spans`). An anonymous block runs
its statements now, so it is what they are (`classify_block`): DML when one of them changes
data, including `EXECUTE IMMEDIATE` of a literal (`'update t ...'`, or `'...' || x || '...'`
whose literal parts show the verb), UNKNOWN when it executes text that cannot be read, DDL
otherwise. A routine definition is DDL whatever its body does: it runs later, if ever.

The dialect's sqlglot tokenizer finds the words (it knows the quoting and comments); it is
loaded with sqlglot, only for text that needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ddlguard.sql.model import HOLE, SqlStatement, StatementKind

Classify = Callable[[str], list[SqlStatement]]

# `BEGIN` then one of these is a transaction, not a block
_TRANSACTION = {"TRANSACTION", "TRAN", "WORK", "ISOLATION", "READ", "DEFERRED", "IMMEDIATE",
                "EXCLUSIVE", "DISTRIBUTED", "NOT", "DEFERRABLE"}  # fmt: skip
# `END` then one of these closes a construct that did not open a block
_END_OF_OTHER = {"IF", "LOOP", "WHILE", "REPEAT", "FOR"}
# a new statement starts after these words in a body
_STARTS_AFTER = {"BEGIN", "THEN", "ELSE", "LOOP", "EXCEPTION", "DO", "DECLARE"}
_DML = {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "REPLACE"}
_IMMEDIATE = re.compile(r"(?is)EXECUTE\s+IMMEDIATE\s+(.*)")
_STOP = re.compile(r"(?i)\s(?:USING|INTO|RETURNING|BULK)\b")


def _word(token: Any) -> str:
    return str(token.text).upper()


def opens_block(tokens: list[Any], i: int, declare: bool) -> bool:
    """Does the statement starting at `tokens[i]` open an anonymous block?"""
    word = _word(tokens[i])
    if word == "DECLARE":
        return declare
    if word != "BEGIN":
        return False
    after = _word(tokens[i + 1]) if i + 1 < len(tokens) else ";"
    return after not in _TRANSACTION and after != ";"


def block_spans(tokens: list[Any], semicolon: Any, declare: bool) -> list[tuple[int, int, int]]:
    """(first token, last token, kind) of each statement; kind 1: an anonymous block, 2: a
    routine definition with a body, 0: anything else. `declare`: `DECLARE ... BEGIN` opens a
    block (Oracle), rather than being a statement of its own (SQL Server's `DECLARE @x`)."""
    out: list[tuple[int, int, int]] = []
    first: int | None = None
    kind = depth = 0
    opened = False
    for i, token in enumerate(tokens):
        if token.token_type == semicolon:
            if first is not None and (depth <= 0 and (kind != 1 or opened)):
                out.append((first, i - 1, kind))
                first, kind, depth, opened = None, 0, 0, False
            continue
        word = _word(token)
        if first is None:
            first = i
            if opens_block(tokens, i, declare):
                kind = 1
                if word == "BEGIN":
                    depth, opened = 1, True
            else:
                kind = 2 if word == "CREATE" else 0
            continue
        if kind and word in ("BEGIN", "CASE"):
            depth += 1
            opened = True
        elif kind and depth and word == "END":
            after = _word(tokens[i + 1]) if i + 1 < len(tokens) else ""
            depth -= after not in _END_OF_OTHER
    if first is not None:
        out.append((first, len(tokens) - 1, kind))
    return out


def _literal_sql(expression: str) -> str | None:
    """The text of `'update t ...'` or `'...' || v || '...'` (HOLE for what is not literal);
    None when no part is a literal."""
    stop = _STOP.search(expression)
    pieces: list[str] = []
    literal = False
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch == "'":
            j = i + 1
            text: list[str] = []
            while j < n:
                if expression[j] == "'":
                    if expression.startswith("''", j):
                        text.append("'")
                        j += 2
                        continue
                    break
                text.append(expression[j])
                j += 1
            pieces.append("".join(text))
            literal = True
            i = j + 1
            continue
        if stop is not None and i >= stop.start():
            break
        if expression.startswith("||", i) or ch.isspace() or ch in ";)":
            i += 2 if ch == "|" else 1
            continue
        j = i
        while j < n and not expression[j].isspace() and not expression.startswith("||", j):
            j += 1
        pieces.append(f" {HOLE} ")
        i = j
    return "".join(pieces) if literal else None


def classify_block(
    text: str, start: int, end: int, tokens: list[Any], semicolon: Any, classify: Classify
) -> SqlStatement:
    """An anonymous block `text[start:end]` (its tokens' offsets are in `text`): what it does."""
    written: list[SqlStatement] = []
    unknown = False
    expect = True  # the next word starts a statement
    for i, token in enumerate(tokens):
        if token.token_type == semicolon:
            expect = True
            continue
        word = _word(token)
        if expect and word in _DML | {"EXECUTE"}:
            stop = next((t.start for t in tokens[i + 1 :] if t.token_type == semicolon), end)
            inner = text[token.start : stop]
            if word == "EXECUTE":
                m = _IMMEDIATE.match(inner)
                sql = _literal_sql(m.group(1)) if m else None
                if sql is None or sql.lstrip().upper().startswith(HOLE.upper()):
                    unknown = True
                    expect = False
                    continue
                statements = classify(sql)
            else:
                statements = classify(inner)
            written.extend(s for s in statements if s.kind is StatementKind.DML)
            unknown = unknown or any(s.kind is StatementKind.UNKNOWN for s in statements)
        expect = word in _STARTS_AFTER
    snippet = text[start:end]
    if written:
        tables = tuple(dict.fromkeys(t for s in written for t in s.tables))
        verb = written[0].verb
        return SqlStatement(StatementKind.DML, verb, tables, start, end, snippet, False, "sqlglot")
    kind = StatementKind.UNKNOWN if unknown else StatementKind.DDL
    return SqlStatement(kind, "BEGIN", (), start, end, snippet, False, "sqlglot")
