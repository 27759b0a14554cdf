"""Classifying SQL text: which statements change data, which change schema.

`classify_sql` is the one entry point. It parses for the dialect (pglast for PostgreSQL,
sqlglot for the others) and falls back to a token-level reading of each statement's verb,
never to "no finding". See docs/architecture.md for the contract.
"""

from __future__ import annotations

from ddlguard.sql.classify import classify_sql
from ddlguard.sql.model import HOLE, SqlStatement, StatementKind

__all__ = ["HOLE", "SqlStatement", "StatementKind", "classify_sql"]
