"""Dispatch to the dialect's parser; the token reading is the last resort."""

from __future__ import annotations

from functools import lru_cache

from ddlguard.lazy_re import LazyPattern
from ddlguard.sql.generic import block, classify_generic, token_spans
from ddlguard.sql.model import SqlStatement
from ddlguard.sql.pg import classify_pg
from ddlguard.sql.tokens import classify_by_tokens, classify_tokens

_BEGIN = LazyPattern(r"(?i)\bBEGIN\b")


def classify_sql(sql: str, dialect: str = "postgresql") -> list[SqlStatement]:
    """Every statement in `sql`, in order, classified for `dialect`.

    Placeholders (`%s`, `%(x)s`, `:name`, `?`, `$1`, `{}`, `{name}`) and HOLE markers never
    defeat the parse: they are substituted before parsing, and offsets refer to the text given.
    Results are cached: the editor asks again for the same strings on every keystroke.
    """
    return list(_classify_cached(sql, (dialect or "postgresql").lower()))


@lru_cache(maxsize=2048)
def _classify_cached(sql: str, dialect: str) -> tuple[SqlStatement, ...]:
    try:
        if dialect in ("postgresql", "postgres"):
            return tuple(_postgresql(sql))
        return tuple(classify_generic(sql, dialect))
    except Exception:  # a parser bug must not cost the user a finding (or the server its life)
        return tuple(classify_by_tokens(sql))


def _postgresql(sql: str) -> list[SqlStatement]:
    """libpg_query's reading; when it had to split the text itself and a `BEGIN` is there, the
    text may hold another dialect's block or routine body (a project that targets Oracle or
    MySQL too): split that way, a block is one statement and is read as one."""
    found = classify_pg(sql)
    if not any(s.parser == "tokens" for s in found) or not _BEGIN.search(sql):
        return found
    spans = token_spans(sql, "postgresql")
    if spans is None or (len(spans) >= len(found) and not any(b for *_, b in spans)):
        return found
    out: list[SqlStatement] = []
    for start, end, tokens, is_block in spans:
        if is_block:
            out.append(block(sql, start, end, tokens, _postgresql))
            continue
        piece = classify_pg(sql[start:end])
        if len(piece) == 1:
            out.append(piece[0]._replace(start=piece[0].start + start, end=piece[0].end + start))
        else:  # a routine's body: libpg_query cannot read it, and it is one statement
            out.append(classify_tokens(sql[start:end], start))
    return out
