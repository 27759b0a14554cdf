"""The text of a data script: header (source, date, why, run line), statements, transaction.

A script is run by `psql -f` (by the `sqlite3` shell on SQLite, `mysql` on MySQL: `run_command`),
so the header is a trust boundary: every value taken from the
migration (path, revision, message, copied comments) goes through `comment_text`, which cannot
end a `--` comment, and revision ids in the run line must match `SAFE_REVISION` or the move is
refused (`NotMovable`), never written raw.
"""

from __future__ import annotations

import datetime
import re
import shlex
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ddlguard.fix.model import NotMovable

WHY = (
    "Why: migrations must change schema only; data changes run as a reviewed script, "
    "apart from the deploy."
)
RUN_LINE_PREFIX = "-- ddlguard-run: "
RUN_LINE_WINDOW = 15  # the run line is among the first 15 lines of every generated script
SAFE_REVISION = re.compile(r"[A-Za-z0-9_.+-]{1,64}")
_RUN_LINE = re.compile(
    r"-- ddlguard-run: (?P<phase>upgrade|downgrade) (?P<when>after|before)"
    r" (?P<rev>[A-Za-z0-9_.+-]{1,64})(?: before (?P<until>[A-Za-z0-9_.+-]{1,64}))?"
)
# character categories shown escaped in a comment: controls and line/paragraph separators
# (anything an editor or psql could take as a line end), format characters (bidi overrides,
# zero-width), surrogates, private use and unassigned code points
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})

# `noqa`, `noqa: DG003, E501`, `type: ignore[x]`, `fmt: skip`, `pragma: no cover`, `pylint: …`
_DIRECTIVE = re.compile(
    r"\b(?:noqa(?:\s*:\s*[A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*)?"
    r"|type\s*:\s*ignore(?:\[[^\]\n]{0,200}\])?|fmt\s*:\s*(?:skip|off|on)"
    r"|pragma\s*:\s*no\s+(?:cover|branch)|pylint\s*:\s*[\w-]+=[\w,-]+)",
    re.IGNORECASE,
)

Phase = Literal["upgrade", "downgrade"]
When = Literal["after", "before"]


def comment_text(value: str) -> str:
    """`value` made safe to follow `-- ` on one line: it can neither end the comment nor hide.

    Backslashes are doubled and every character of `_ESCAPED_CATEGORIES` becomes `\\xNN`,
    `\\uNNNN` or `\\UNNNNNNNN`, so the encoding is reversible and the line stays one line for
    psql (which ends a comment at `\\n` or `\\r`), for the server and for every editor.
    """
    out: list[str] = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return "".join(out)


def safe_revision(revision: str) -> str:
    """The revision id itself when it is safe to write unquoted, else NotMovable."""
    if not SAFE_REVISION.fullmatch(revision):
        raise NotMovable(
            f"the revision id {comment_text(revision)[:70]!r} has characters a script's run line "
            "cannot carry (allowed: letters, digits, _ . + -, at most 64)"
        )
    return revision


@dataclass(frozen=True, slots=True)
class RunLine:
    """When a script runs, as the one machine-readable line tools that run scripts read.

    `upgrade after R [before F]`: once R is applied (and never once F is applied);
    `downgrade before R`: just before `alembic downgrade` reverts R; `downgrade after R`: just
    after. Revision ids are checked on construction (`NotMovable` when unsafe).
    """

    phase: Phase
    when: When
    revision: str
    until: str | None = None  # upgrade only: the follow-up revision it must run before

    def __post_init__(self) -> None:
        if self.phase not in ("upgrade", "downgrade") or self.when not in ("after", "before"):
            raise ValueError(f"not a run line: {self.phase} {self.when}")
        if self.phase == "upgrade" and self.when != "after":
            raise ValueError("an upgrade script always runs after its revision")
        if self.until is not None and self.phase != "upgrade":
            raise ValueError("only an upgrade script runs before a follow-up revision")
        safe_revision(self.revision)
        if self.until is not None:
            safe_revision(self.until)

    def text(self) -> str:
        line = f"{RUN_LINE_PREFIX}{self.phase} {self.when} {self.revision}"
        return line if self.until is None else f"{line} before {self.until}"

    def sentence(self) -> str:
        """The same as `text()`, for a human, as a comment line without the `-- `."""
        if self.phase == "upgrade":
            until = (
                f" and before revision {self.until} is applied" if self.until is not None else ""
            )
            return f"Run it once `alembic upgrade` has applied revision {self.revision}{until}:"
        if self.when == "before":
            return f"Run it just before `alembic downgrade` reverts revision {self.revision}:"
        return f"Run it just after `alembic downgrade` has reverted revision {self.revision}:"


def parse_run_line(text: str) -> RunLine | None:
    """The run line of a script, or None when it has none or more than one in its first 15 lines.

    Lines are split as psql splits them (`\\n`, a trailing `\\r` dropped); a run line must be
    the whole line.
    """
    found: list[RunLine] = []
    for line in text.split("\n", RUN_LINE_WINDOW)[:RUN_LINE_WINDOW]:
        match = _RUN_LINE.fullmatch(line.removesuffix("\r"))
        if match is None:
            continue
        phase, when = match["phase"], match["when"]
        try:
            found.append(
                RunLine(
                    "upgrade" if phase == "upgrade" else "downgrade",
                    "after" if when == "after" else "before",
                    match["rev"],
                    match["until"],
                )
            )
        except ValueError:
            return None  # `upgrade before R`, `downgrade … before F`: not a run line we wrote
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class ScriptBlock:
    """The SQL moved from one migration call, with comments that travelled with it."""

    comments: tuple[str, ...]  # without the leading `--`; encoded by `render_script`
    statements: tuple[str, ...]  # without a trailing `;`


def terminate(statement: str) -> str:
    """The statement ending in exactly one `;`.

    Statements reach the script trimmed by the dialect's lexer, so none ends in a comment; a
    last line holding `--` or `#` anywhere still gets its `;` on a line of its own, so that no
    reading of it (MySQL's `#`, a comment we did not expect) can swallow the terminator.
    """
    text = statement.rstrip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    last_line = text.rsplit("\n", 1)[-1]
    if "--" in last_line or "#" in last_line:
        return text + "\n;"
    return text + ";"


def without_directives(comment: str) -> str:
    """A copied Python comment without tool directives (`noqa: DG003`, `type: ignore`, `fmt:
    skip`, `pragma: no cover`): they mean nothing in SQL and must not look like they apply."""
    stripped = _DIRECTIVE.sub("", comment)
    return comment if stripped == comment else stripped.strip(" \t;,#")


def run_command(dialect: str, run_path: str) -> str:
    """How to run the script from the project's folder with the dialect's own client, stopping
    at the first error, as one comment-safe line.

    The clients run nothing but SQL: `psql -f` (its meta-commands and variables cannot appear,
    `fix/psql.py`), `sqlite3 -safe` (no `.shell`, `.system`, file writes; `fix/sqlite_shell.py`
    checks the shell sees each statement whole), `mysql --binary-mode` (no client commands but
    `charset` and `delimiter`). Other databases' clients run shell commands from a script
    (`sqlcmd`'s `!!`, SQL*Plus's `HOST`) or substitute variables in it, so no command is given.
    """
    path = comment_text(shlex.quote(run_path))
    if dialect == "sqlite":
        return f'sqlite3 -bail -safe "$DATABASE_FILE" < {path}'
    if dialect == "mysql":
        return f'mysql --binary-mode --database="$DATABASE_NAME" < {path}'
    if dialect in ("mssql", "oracle"):
        return f"{path} with your database's client, stopping at the first error"
    return f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f {path}'


def transaction_lines(dialect: str) -> tuple[str | None, str]:
    """How the dialect opens and commits the script's transaction. T-SQL's `BEGIN` opens a
    block, so it needs `BEGIN TRANSACTION`; Oracle opens a transaction by itself, and `BEGIN;`
    would start a PL/SQL block there (SQL*Plus would wait for its end)."""
    if dialect == "mssql":
        return "BEGIN TRANSACTION;", "COMMIT TRANSACTION;"
    if dialect == "oracle":
        return None, "COMMIT;"
    return "BEGIN;", "COMMIT;"


def render_script(
    *,
    migration: str,
    today: datetime.date,
    run_path: str,
    blocks: Sequence[ScriptBlock],
    transaction: bool,
    run: RunLine,
    dialect: str = "postgresql",
) -> str:
    """The whole file, ending in a newline. `migration` and `run_path` are project-relative;
    `run` says when the script runs (its revision ids were checked when it was built)."""
    lines = [
        f"-- Data moved out of migration {comment_text(migration)} (revision {run.revision},"
        f" {run.phase}) by ddlguard on {today.isoformat()}.",
        f"-- {WHY}",
        run.text(),
        f"-- {run.sentence()}",
        f"--   {run_command(dialect, run_path)}",
        "",
    ]
    begin, commit = transaction_lines(dialect) if transaction else (None, None)
    if begin is not None:
        lines += [begin, ""]
    for block in blocks:
        kept = (without_directives(c) for c in block.comments)
        lines += [f"-- {comment_text(c)}".rstrip() for c in kept if c]
        for statement in block.statements:
            lines += [terminate(statement), ""]
    if commit is not None:
        lines += [commit]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
