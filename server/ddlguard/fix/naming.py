"""Script file names: `{YYYY-MM-DD}-{slug}.sql`, `-2`, `-3`... when taken (design section 4)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

from ddlguard.fix.model import NotMovable

MAX_SLUG = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REVISION_PREFIX = re.compile(r"^[0-9a-f]{8,40}_")


def slugify(text: str) -> str:
    """Lowercase, hyphenated, ASCII, at most 60 characters, cut at a hyphen when possible."""
    ascii_text = text.lower().encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2 :] else cut
        slug = slug.strip("-")
    return slug or "data"


def migration_slug(message: str | None, path: Path) -> str:
    """From the migration's message; else from its file name without the revision prefix."""
    if message and slugify(message) != "data":
        return slugify(message)
    return slugify(_REVISION_PREFIX.sub("", path.stem))


# a folder holding this many scripts of one name and day is not a folder to add to
MAX_SUFFIX = 1000


def script_names(
    folder: Path,
    today: datetime.date,
    slug: str,
    *,
    upgrade: bool,
    downgrade: bool,
    exists: Callable[[Path], bool],
    order: int | None = None,
) -> tuple[Path | None, Path | None]:
    """Free paths for the upgrade script and the `-rollback` one, sharing one number suffix.

    A stem is free when none of the scripts to be written exists: moved together, the pair
    shares one number; moved apart (the upgrade as a quick fix, the downgrade later), the
    rollback still pairs with its upgrade (`X.sql`, then `X-rollback.sql`, not
    `X-2-rollback.sql`). Nothing is ever overwritten. `order` (the revision's depth in the
    graph) goes between the date and the slug, so `ls` lists one day's scripts in revision
    order: `2026-11-25-0042-backfill.sql` runs before `2026-11-25-0043-add-index.sql`.
    """
    base = (
        f"{today.isoformat()}-{slug}"
        if order is None
        else f"{today.isoformat()}-{order:04d}-{slug}"
    )
    for n in range(1, MAX_SUFFIX + 1):
        stem = base if n == 1 else f"{base}-{n}"
        up, down = folder / f"{stem}.sql", folder / f"{stem}-rollback.sql"
        if not (upgrade and exists(up)) and not (downgrade and exists(down)):
            return (up if upgrade else None), (down if downgrade else None)
    raise NotMovable(f"every script name {base}.sql to {base}-{MAX_SUFFIX}.sql is taken")
