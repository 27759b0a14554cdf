"""What the `mysql` client and a MySQL server could read differently: a MySQL project's script
runs through `mysql --binary-mode` (`script.run_command`).

In binary mode the client runs no commands of its own but `\\C`, `\\d` and, at the start of a
statement, `charset` and `delimiter` (a data statement starts with its verb, so only the
backslash forms could appear, and `psql.statement_hazard` already refuses a backslash outside
quotes). It then sends the script to the server cut at every `;` outside its own idea of quotes
and comments, with multi-statements on.

A backslash inside quotes means what the server's sql_mode says: an escape in '…' and "…" by
default, itself under NO_BACKSLASH_ESCAPES, and "…" is a name without escapes under
ANSI_QUOTES. ddlguard reads SQL with the default mode, so `'x\\'; DROP TABLE users; -- '` is one
UPDATE to it and to the migration's driver (which sends one statement and refuses several),
while a script run on a server with NO_BACKSLASH_ESCAPES runs the UPDATE and then the DROP
TABLE (`tests/fix/test_mysql_client.py` does it on a real server). A printed value is no safer:
SQLAlchemy doubles a backslash and sqlglot writes a line break as `\\n`, which that mode reads
as two characters. So no backslash goes into anything ddlguard writes for MySQL: such a
statement is not moved, such a guard query is not built.

An executable comment (`/*! … */`, MariaDB's `/*M! … */`) is SQL to the server and a comment
to ddlguard's lexer and to a reviewer, and the client ends a statement at a `;` inside it: a
statement holding one (even inside a string, where it would be harmless) is not moved.
"""

from __future__ import annotations

BACKSLASH = (
    "the SQL holds a backslash, which MySQL reads as an escape or as itself depending on the "
    "server's sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES), so the script could run other "
    "statements than the migration"
)
EXECUTABLE_COMMENT = (
    "the SQL holds an executable comment (/*! … */), which the server runs as SQL and the mysql "
    "client cuts at a `;` inside it, while ddlguard and a reviewer read a comment"
)


def client_hazard(statement: str) -> str | None:
    """Why a MySQL script should not hold `statement` as it is, or None."""
    if "\\" in statement:
        return BACKSLASH
    if "/*!" in statement or "/*m!" in statement.lower():
        return EXECUTABLE_COMMENT
    return None
