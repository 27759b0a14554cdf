"""Finding Alembic projects and their migration files, statically (design section 1).

An Alembic project is found from `alembic.ini` (`script_location`, `version_locations`,
`sqlalchemy.url` for the dialect), else from `[tool.alembic]` in pyproject.toml, else from a
`versions/` folder whose files look like migrations. Nothing of the project is imported.
"""

from __future__ import annotations

import configparser
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "build", "dist", ".eggs"}
)  # fmt: skip
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
_MIGRATION_HINT = re.compile(r"^(revision|down_revision)\b", re.MULTILINE)


class ConfigError(Exception):
    """A configuration the run cannot proceed with (exit 2 in the CLI)."""


@dataclass(slots=True)
class Project:
    """One Alembic project: where its migrations live and where data scripts go."""

    root: Path  # folder holding alembic.ini, else the nearest with pyproject/setup.cfg/.git
    alembic_ini: Path | None = None
    version_dirs: list[Path] = field(default_factory=list)
    url_dialect: str | None = None  # from sqlalchemy.url
    problems: list[str] = field(default_factory=list)

    def contains_version_file(self, path: Path) -> bool:
        return path.suffix == ".py" and any(_is_within(path, d) for d in self.version_dirs)

    def scripts_dir(self, configured: str | None) -> Path:
        """`scripts/sql` beside alembic.ini (or `configured`), refused outside the project root."""
        target = (self.root / (configured or "scripts/sql")).resolve()
        root = self.root.resolve()
        if not _is_within(target, root):
            raise ConfigError(
                f"scripts-dir {configured!r} resolves to {target}, outside the project root {root}"
            )
        return target

    def dialect(self, configured: str | None) -> str:
        return configured or self.url_dialect or "postgresql"


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def project_root_for(start: Path) -> Path:
    """The nearest folder at or above `start` holding pyproject.toml, setup.cfg or .git, else cwd."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        if any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return Path.cwd()


_URL_DIALECTS = {
    "postgresql": "postgresql", "postgres": "postgresql", "redshift": "postgresql",
    "cockroachdb": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite",
    "mssql": "mssql", "oracle": "oracle",
}  # fmt: skip


def dialect_from_url(url: str) -> str | None:
    """`postgresql+psycopg://...` → postgresql. Interpolations (`%(DB_URL)s`, `${X}`) give None."""
    scheme = url.strip().split("://", 1)[0].split("+", 1)[0].lower()
    return _URL_DIALECTS.get(scheme)


def read_alembic_ini(ini: Path) -> Project:
    """A project from alembic.ini; problems are recorded rather than raised."""
    project = Project(root=ini.parent.resolve(), alembic_ini=ini.resolve())
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(ini.read_text("utf-8"), source=str(ini))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        project.problems.append(f"{ini}: cannot read: {exc}")
        return project
    section = "alembic" if parser.has_section("alembic") else None
    if section is None:
        project.problems.append(f"{ini}: no [alembic] section")
        return project
    here = str(ini.parent.resolve())

    def value(key: str) -> str | None:
        raw = parser.get(section, key, fallback=None)
        return raw.replace("%(here)s", here).strip() if raw is not None else None

    script_location = value("script_location")
    version_locations = value("version_locations")
    separator = value("version_path_separator") or "os"
    url = value("sqlalchemy.url")
    if url:
        project.url_dialect = dialect_from_url(url)
    project.version_dirs = _version_dirs(ini.parent, script_location, version_locations, separator)
    if script_location is None and version_locations is None:
        project.problems.append(f"{ini}: no script_location")
    return project


def _split_locations(text: str, separator: str) -> list[str]:
    seps = {"space": None, "newline": "\n", "os": os.pathsep, ":": ":", ";": ";", ",": ","}
    if separator in seps:
        sep = seps[separator]
        parts = text.split(sep) if sep else text.split()
    else:  # legacy: space or comma separated
        parts = re.split(r"[\s,]+", text)
    return [p.strip() for p in parts if p.strip()]


def _version_dirs(
    base: Path, script_location: str | None, version_locations: str | None, separator: str
) -> list[Path]:
    dirs: list[Path] = []
    if version_locations:
        dirs = [(base / p).resolve() for p in _split_locations(version_locations, separator)]
    elif script_location:
        # `package:path` locations name a Python package; we map it to a folder without importing
        loc = script_location.split(":", 1)[-1] if ":" in script_location and not re.match(
            r"^[A-Za-z]:[\\/]", script_location) else script_location  # fmt: skip
        dirs = [(base / loc / "versions").resolve()]
    return dirs


def read_pyproject_alembic(pyproject: Path) -> Project | None:
    """Alembic 1.16+ can keep its settings in `[tool.alembic]` of pyproject.toml."""
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    table = data.get("tool", {}).get("alembic") if isinstance(data.get("tool"), dict) else None
    if not isinstance(table, dict) or "script_location" not in table:
        return None
    base = pyproject.parent.resolve()
    loc = str(table["script_location"]).replace("%(here)s", str(base))
    raw_versions = table.get("version_locations")
    versions = " ".join(raw_versions) if isinstance(raw_versions, list) else raw_versions
    return Project(root=base, version_dirs=_version_dirs(base, loc, versions, "space"))


def walk_files(top: Path, suffixes: tuple[str, ...] = (".py",)) -> Iterator[Path]:
    """Files under `top`, skipping tool and environment folders and symlink loops, sorted."""
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(top, followlinks=True):
        try:
            st = os.stat(folder)
        except OSError:
            dirs[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            dirs[:] = []
            continue
        seen.add(key)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(suffixes):
                yield Path(folder) / name


def looks_like_migration_text(text: str) -> bool:
    """A cheap pre-filter: module-level `revision`/`down_revision` and a `def upgrade`."""
    return "def upgrade" in text and bool(_MIGRATION_HINT.search(text))


@dataclass(slots=True)
class Discovery:
    projects: list[Project]
    # every candidate file with its project, in a stable order
    files: list[tuple[Path, Project]]
    problems: list[str]


def find_projects(top: Path) -> list[Project]:
    """Alembic projects under a folder: every alembic.ini, else [tool.alembic], else versions folders."""
    projects: list[Project] = []
    for path in walk_files(top, (".ini", ".toml")):
        if path.name == "alembic.ini" or (path.suffix == ".ini" and _is_alembic_ini(path)):
            projects.append(read_alembic_ini(path))
        elif path.name == "pyproject.toml":
            p = read_pyproject_alembic(path)
            if p is not None and not any(q.root == p.root for q in projects):
                projects.append(p)
    return projects


def _is_alembic_ini(path: Path) -> bool:
    try:
        head = path.read_text("utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return "[alembic]" in head and "script_location" in head


def project_for_file(path: Path) -> Project:
    """The project a file belongs to: the nearest alembic.ini above that lists its folder, else a root."""
    resolved = path.resolve()
    for folder in resolved.parents:
        for ini in sorted(folder.glob("*.ini")):
            if ini.name == "alembic.ini" or _is_alembic_ini(ini):
                project = read_alembic_ini(ini)
                if project.contains_version_file(resolved) or not project.version_dirs:
                    return project
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            p = read_pyproject_alembic(pyproject)
            if p is not None and p.contains_version_file(resolved):
                return p
    root = project_root_for(resolved)
    return Project(root=root.resolve(), version_dirs=[resolved.parent] if resolved.parent.name == "versions" else [])


def discover(paths: Sequence[Path]) -> Discovery:
    """Candidate migration files under `paths` with their projects.

    Folders: files in the version locations of the Alembic projects found under them; where
    none is found, `.py` files that look like migrations. Files given explicitly are always
    candidates; the engine decides whether they are migrations.
    """
    projects: list[Project] = []
    files: list[tuple[Path, Project]] = []
    problems: list[str] = []
    seen: set[Path] = set()

    def add(path: Path, project: Project) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append((path, project))

    for top in paths:
        if top.is_file():
            project = project_for_file(top)
            add(top, project)
            continue
        if not top.is_dir():
            problems.append(f"{top}: no such file or directory")
            continue
        found = find_projects(top)
        for project in found:
            projects.append(project)
            problems.extend(project.problems)
            for vdir in project.version_dirs:
                if vdir.is_dir():
                    for f in walk_files(vdir):
                        add(_relative_like(f, top, vdir), project)
        covered = [d for p in found for d in p.version_dirs]
        for f in walk_files(top):
            if any(_is_within(f, d) for d in covered):
                continue
            if _quick_is_migration(f):
                add(f, project_for_file(f))
    return Discovery(projects, files, problems)


def _relative_like(found: Path, top: Path, vdir: Path) -> Path:
    """Keep paths under the user's argument readable (relative if `top` was relative)."""
    try:
        return top / found.resolve().relative_to(top.resolve())
    except ValueError:
        return found


def _quick_is_migration(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return looks_like_migration_text(head.decode("utf-8", errors="replace"))


def iter_python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from walk_files(p)
        elif p.suffix == ".py":
            yield p
