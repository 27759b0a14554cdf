"""Dispatch to the dialect's parser; the token reading is the last resort."""

from __future__ import annotations

from functools import lru_cache

from ddlguard.sql.generic import classify_generic
from ddlguard.sql.model import SqlStatement
from ddlguard.sql.pg import classify_pg
from ddlguard.sql.tokens import classify_by_tokens


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
            return tuple(classify_pg(sql))
        return tuple(classify_generic(sql, dialect))
    except Exception:  # a parser bug must not cost the user a finding (or the server its life)
        return tuple(classify_by_tokens(sql))
