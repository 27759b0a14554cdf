"""What psql would do to a statement before sending it: the script runs through `psql -f`.

Every dialect's scripts pass these checks (they only refuse); a SQLite project's scripts run
through the `sqlite3` shell, whose own reading `sqlite_shell` checks too, a MySQL project's
through the `mysql` client (`mysql_client`), SQL Server's and Oracle's through `sqlcmd` and
SQL*Plus (`other_clients`).

psql reads a script with its own lexer (psqlscan.l): outside quotes and comments a backslash
starts a meta-command (`\\! cmd` runs a shell command, `\\i` reads a file) and `:name`,
`:'name'`, `:"name"`, `:{?name}` are replaced by variables (`-v`, `\\set`, psqlrc, built-ins
such as `:USER`). Neither can reach the database from the migration, so a statement holding
one is not moved. The tokens come from the dialect's real lexer: libpg_query's scanner, which
knows the same quotes, dollar quotes, E'' strings and nested comments psql does.
"""

from __future__ import annotations

from ddlguard.fix.mysql_client import client_hazard
from ddlguard.fix.other_clients import sqlcmd_hazard, sqlplus_hazard
from ddlguard.sql.lexer import LexError, is_postgresql, pg_tokens, sqlglot_tokens

_VARIABLE_START = ("'", '"', "{")
# each dialect's own client, as its script's header runs it (or people run it)
_CLIENTS = {"mysql": client_hazard, "mssql": sqlcmd_hazard, "oracle": sqlplus_hazard}
# line breaks an editor shows and SQL does not: in a comment they would hide code from review
_HIDDEN_BREAKS = frozenset("\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def statement_hazard(statement: str, dialect: str) -> str | None:
    """Why psql, or the dialect's own client (sqlite3, mysql, sqlcmd, SQL*Plus), would not send
    `statement` as it is, or None when it would."""
    if "\x00" in statement:
        return "the SQL holds a NUL character, which psql cannot send"
    if dialect == "sqlite":
        from ddlguard.fix.sqlite_shell import shell_hazard

        hazard = shell_hazard(statement)
        if hazard is not None:
            return hazard
    if dialect in _CLIENTS:
        hazard = _CLIENTS[dialect](statement)
        if hazard is not None:
            return hazard
    try:
        if is_postgresql(dialect):
            pieces = [(t.start, t.end, t.name) for t in pg_tokens(statement)]
            backslash, colon = "ASCII_92", "ASCII_58"
        else:
            pieces = [
                (t.start, t.end + 1, t.token_type.name) for t in sqlglot_tokens(statement, dialect)
            ]
            backslash, colon = "BACKSLASH", "COLON"
    except LexError as exc:
        return f"the SQL does not lex ({exc})"
    for start, end, name in pieces:
        if name in ("SQL_COMMENT", "C_COMMENT") and _HIDDEN_BREAKS & set(statement[start:end]):
            return (
                "a comment in the SQL holds a line break editors show and SQL does not, so the "
                "script would read differently from what it runs"
            )
    for i, (start, end, name) in enumerate(pieces):
        if name == backslash or (
            name not in ("SCONST", "STRING", "IDENT", "IDENTIFIER", "C_COMMENT", "SQL_COMMENT")
            and "\\" in statement[start:end]
            and not _quoted(statement[start:end])
        ):
            return (
                "the SQL holds a backslash outside quotes, which psql would run as a meta-command"
            )
        if name == colon and i + 1 < len(pieces) and pieces[i + 1][0] == end:
            following = statement[end : pieces[i + 1][1]]
            if following[:1] in _VARIABLE_START or following[:1].isalnum() or following[:1] == "_":
                return f"psql would replace :{following[:20]} in the SQL with a variable's value"
    return None


def _quoted(token: str) -> bool:
    """A literal or quoted name whatever the lexer calls it (`E'…'`, `U&'…'`, `$$…$$`, `"…"`)."""
    return token[-1:] in ("'", '"', "$")
