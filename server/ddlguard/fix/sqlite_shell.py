"""What the `sqlite3` shell would do to a statement: a SQLite project's script runs through it.

The shell reads its input a line at a time. While no statement is pending, a line starting with
`.` is a dot-command (`.shell`, `.system` run programs) and one starting with `#` is dropped;
a pending statement runs as soon as the lines read so far are complete by `sqlite3_complete()`
(or the next line is `go` or `/` and they would be with a `;`). So a statement is only safe to
write when the shell sees exactly it: no `;` inside it may end a statement for SQLite, as it
would where ddlguard's lexer and SQLite's disagree about a quote (`'a\\'` is a whole string to
SQLite), or the shell runs what follows as SQL of its own or, after a line break, as a
dot-command. `sqlite3.complete_statement` is that same C function, from the library Python links.
"""

from __future__ import annotations

import sqlite3

from ddlguard.fix.script import terminate

_TERMINATOR_LINES = frozenset({"go", "/"})  # the shell's `line_is_command_terminator`


def shell_hazard(statement: str) -> str | None:
    """Why the `sqlite3` shell would not run `statement` as one statement, or None."""
    text = statement.strip()
    if text[:1] in (".", "#"):
        return "the SQL starts with a character the sqlite3 shell reads as its own command"
    for at, char in enumerate(text[:-1]):
        # a `;` SQLite reads as the end of a statement (not in a quote or comment to it)
        if char == ";" and sqlite3.complete_statement(text[: at + 1]):
            return (
                "SQLite reads a `;` inside it as the end of a statement (it quotes differently "
                "from ddlguard's lexer), so the sqlite3 shell would run the rest on its own"
            )
    lines = text.split("\n")
    for number in range(1, len(lines)):
        before = "\n".join(lines[:number])
        if lines[number].strip().lower() in _TERMINATOR_LINES and sqlite3.complete_statement(
            before + ";"
        ):
            return f"the sqlite3 shell would end the statement at its line {number} (`go`, `/`)"
    if not sqlite3.complete_statement(terminate(text)):
        return "the sqlite3 shell would not see the statement end where it ends"
    return None
