"""The text of a data script: header (source, date, why, how to run), statements, transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

WHY = (
    "Why: migrations must change schema only; data changes run as a reviewed script, "
    "apart from the deploy."
)


@dataclass(frozen=True, slots=True)
class ScriptBlock:
    """The SQL moved from one migration call, with comments that travelled with it."""

    comments: tuple[str, ...]  # without the leading `--`
    statements: tuple[str, ...]  # without a trailing `;`


def terminate(statement: str) -> str:
    """The statement ending in exactly one `;` (a trailing comment line would swallow it)."""
    text = statement.rstrip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    last_line = text.rsplit("\n", 1)[-1]
    if "--" in last_line and not _dash_inside_quotes(last_line):
        return text + "\n;"
    return text + ";"


def _dash_inside_quotes(line: str) -> bool:
    """True when every `--` on the line sits inside a '...' literal (so it is no comment)."""
    inside = False
    for i, ch in enumerate(line):
        if ch == "'":
            inside = not inside
        elif not inside and line.startswith("--", i):
            return False
    return True


def render_script(
    *,
    migration: str,
    revision: str | None,
    phase: str,
    today: datetime.date,
    run_path: str,
    blocks: Sequence[ScriptBlock],
    transaction: bool,
) -> str:
    """The whole file, ending in a newline. `migration` and `run_path` are project-relative."""
    rev = revision or "unknown"
    when = (
        f"after `alembic upgrade` has applied revision {rev}"
        if phase == "upgrade"
        else f"when downgrading revision {rev}"
    )
    lines = [
        f"-- Data moved out of migration {migration} (revision {rev}, {phase}) by ddlguard"
        f" on {today.isoformat()}.",
        f"-- {WHY}",
        f"-- Run it {when}:",
        f'--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f {run_path}',
        "",
    ]
    if transaction:
        lines += ["BEGIN;", ""]
    for block in blocks:
        lines += [f"-- {c}".rstrip() for c in block.comments]
        for statement in block.statements:
            lines += [terminate(statement), ""]
    if transaction:
        lines += ["COMMIT;"]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
