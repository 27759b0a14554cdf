"""`ddlguard init`: the files that set a project up for schema-only migrations.

Writes Alembic's `script.py.mako` (the migration template, with the review checklist that
DG201 asks to delete before committing) in the script location, and `scripts/sql/README.md`
(where data changes go). Never overwrites a file unless asked. Pure planning lives apart
from writing so the plan can be tested and shown.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ddlguard.graph import read_info
from ddlguard.hygiene import checklist_span
from ddlguard.paths import safe_resolve
from ddlguard.project import (
    ConfigError,
    Project,
    project_version_files,
    read_alembic_ini,
    read_pyproject_alembic,
    walk_bound,
    walk_files,
)
from ddlguard.settings import settings_for

TEMPLATE = "script.py.mako"
README = "README.md"


@dataclass(frozen=True, slots=True)
class AlembicSetup:
    """One Alembic project found for `init`: its config and its script location folder."""

    config: Path  # alembic.ini or pyproject.toml
    script_dir: Path
    project: Project


@dataclass(frozen=True, slots=True)
class Planned:
    path: Path
    content: str
    what: str  # shown to the user: "migration template with the review checklist"


@dataclass(frozen=True, slots=True)
class Outcome:
    path: Path
    status: str  # "wrote", "overwrote", "unchanged", "skipped"
    what: str


def template_text(name: str) -> str:
    return (resources.files("ddlguard") / "templates" / name).read_text("utf-8")


def checklist_block() -> str:
    """The checklist lines of the template, for pasting into an existing template."""
    text = template_text(TEMPLATE)
    span = checklist_span(text)
    if span is None:  # the template always has one; a test guards it
        return ""
    lines = text.splitlines()
    return "\n".join(lines[span[0] - 1 : span[1]]) + "\n"


def _script_location(raw: str, base: Path) -> Path:
    """A folder for `script_location`: `%(here)s`, relative paths and `package:path` forms."""
    base = base.resolve()
    raw = raw.replace("%(here)s", str(base)).strip()
    if ":" in raw and not re.match(r"^[A-Za-z]:[\\/]", raw):
        raw = raw.split(":", 1)[1]
    return (base / raw).resolve()


def _from_ini(ini: Path) -> AlembicSetup | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(ini.read_text("utf-8"), source=str(ini))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    raw = parser.get("alembic", "script_location", fallback=None)
    if not raw:
        return None
    return AlembicSetup(ini.resolve(), _script_location(raw, ini.parent), read_alembic_ini(ini))


def _from_pyproject(pyproject: Path) -> AlembicSetup | None:
    project = read_pyproject_alembic(pyproject)
    if project is None:
        return None
    table = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["alembic"]
    location = _script_location(str(table["script_location"]), pyproject.parent)
    return AlembicSetup(pyproject.resolve(), location, project)


def find_setups(path: Path) -> list[AlembicSetup]:
    """Alembic projects at `path` (an alembic.ini, or a folder and the folders below it)."""
    if path.is_file():
        found = _from_ini(path) if path.suffix == ".ini" else _from_pyproject(path)
        return [found] if found else []
    setups: list[AlembicSetup] = []
    for candidate in walk_files(path, (".ini", ".toml"), within=walk_bound(path)):
        setup = None
        if candidate.name == "alembic.ini":
            setup = _from_ini(candidate)
        elif candidate.name == "pyproject.toml":
            setup = _from_pyproject(candidate)
        if setup is not None and all(s.script_dir != setup.script_dir for s in setups):
            setups.append(setup)
    return setups


def plan(setup: AlembicSetup) -> list[Planned]:
    """The files `init` writes for one project. Raises ConfigError for a bad scripts-dir."""
    settings = settings_for(setup.project.root)
    scripts = setup.project.scripts_dir(settings.scripts_dir)
    return [
        Planned(
            setup.script_dir / TEMPLATE,
            template_text(TEMPLATE),
            "migration template with the review checklist",
        ),
        Planned(
            scripts / README,
            template_text("scripts_sql_README.md"),
            "how data scripts are named, written and run",
        ),
    ]


def write(planned: Planned, *, force: bool, root: Path) -> Outcome:
    """Write one planned file; an existing different file is kept unless `force`.

    A target outside `root` (the project root), directly or through a symlink, is refused.
    """
    path = planned.path
    if not safe_resolve(path).is_relative_to(safe_resolve(root)):
        return Outcome(path, "refused", planned.what)
    if path.exists():
        try:
            if path.read_text("utf-8") == planned.content:
                return Outcome(path, "unchanged", planned.what)
        except (OSError, UnicodeDecodeError):
            pass
        if not force:
            return Outcome(path, "skipped", planned.what)
        status = "overwrote"
    else:
        status = "wrote"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(planned.content)
    return Outcome(path, status, planned.what)


def heads(project: Project) -> list[str]:
    """The current head revisions, read statically (for the suggested `since-revision`)."""
    infos = [
        info
        for f in project_version_files(project)
        if (info := read_info(f)) is not None and info.revision
    ]
    parents = {p for info in infos for p in info.down_revisions}
    return sorted({str(i.revision) for i in infos if i.revision not in parents})


def precommit_snippet(version: str) -> str:
    return (
        "repos:\n"
        "  - repo: https://github.com/ddlguard/ddlguard\n"
        f"    rev: v{version}\n"
        "    hooks:\n"
        "      - id: ddlguard\n"
    )


def config_block(project_heads: list[str]) -> str:
    lines = [
        "[tool.ddlguard]",
        'select = ["DG0", "DG1", "DG2", "DG4"]',
        '# dialect = "postgresql"   # default: from sqlalchemy.url in alembic.ini',
        '# scripts-dir = "scripts/sql"',
    ]
    if len(project_heads) == 1:
        lines.append("# existing history is left alone: only migrations after today's head")
        lines.append(f'since-revision = "{project_heads[0]}"')
    else:
        lines.append('# since-revision = "<revision>"   # check only migrations after it')
    return "\n".join(lines) + "\n"


__all__ = [
    "AlembicSetup",
    "ConfigError",
    "Outcome",
    "Planned",
    "checklist_block",
    "config_block",
    "find_setups",
    "heads",
    "plan",
    "precommit_snippet",
    "write",
]
