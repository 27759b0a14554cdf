"""What `sqlcmd` (SQL Server) and SQL*Plus (Oracle) would do to a statement before sending it.

Their scripts' headers give no command line (`script.run_command`), but people run them with
these clients all the same, as the database's owner. Both read a script a line at a time and
know nothing of SQL quoting, so what they act on inside a moved statement, even inside a
string literal, is refused:

- sqlcmd replaces `$(name)` by a variable (environment variables included) and runs a line
  starting with `!!` as a shell command, `:r`, `:setvar`, `:connect`, `:out` … and `GO`,
  `ED`, `RESET`, `EXIT`, `QUIT` as its own commands.
- SQL*Plus replaces `&name` by a variable (asking for it when undefined), runs a line starting
  with `#` (SQLPREFIX) as a SQL*Plus command in the middle of a statement, and ends the
  statement at a blank line, at a line holding only `/` or `.`, and at a line ending in `;`:
  the lines after it are read as commands of their own (`HOST` runs a shell command).
"""

from __future__ import annotations

_SQLCMD_WORDS = frozenset({"go", "ed", "reset", "exit", "quit"})


def sqlcmd_hazard(statement: str) -> str | None:
    """Why `sqlcmd` would not send `statement` as it is, or None."""
    if "$(" in statement:
        return "sqlcmd would replace $( … ) in the SQL with a variable's value"
    for number, line in enumerate(statement.split("\n"), 1):
        text = line.strip()
        word = text[: next((i for i, c in enumerate(text) if not c.isalpha()), len(text))]
        if text.startswith(("!!", ":")) or word.lower() in _SQLCMD_WORDS:
            return f"sqlcmd would run line {number} of the SQL as a command of its own"
    return None


def sqlplus_hazard(statement: str) -> str | None:
    """Why SQL*Plus would not send `statement` as it is, or None."""
    if "&" in statement:
        return "SQL*Plus would replace &name in the SQL with a variable's value"
    lines = statement.split("\n")
    for number, line in enumerate(lines, 1):
        text = line.strip()
        last = number == len(lines)
        if text.startswith("#"):
            return f"SQL*Plus would run line {number} of the SQL as a command of its own"
        if text in ("", "/", ".") or (text.endswith(";") and not last):
            return (
                f"SQL*Plus would end the statement at line {number} of the SQL and read "
                "the rest as commands"
            )
    return None
