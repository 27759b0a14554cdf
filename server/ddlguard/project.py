"""Finding Alembic projects and their migration files, statically (design section 1).

An Alembic project is found from `alembic.ini` (`script_location`, `version_locations`,
`sqlalchemy.url` for the dialect), else from `[tool.alembic]` in pyproject.toml, else from
files that look like migrations (a bare `versions/` folder, a loose file). Nothing of the
project is imported: Alembic's own loader would execute `env.py` and every migration.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ddlguard.paths import Resolver, is_within_str, safe_resolve
from ddlguard.records import Record

if TYPE_CHECKING:
    from ddlguard.cache import ProjectCache, RunCache

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "build", "dist", ".eggs",
     ".ddlguard_cache"}
)  # fmt: skip
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
_MIGRATION_HINT = re.compile(r"^(revision|down_revision)\b", re.MULTILINE)
# Alembic skips these in a versions folder (its `_only_source_rev_file` pattern)
_NOT_A_REVISION = re.compile(r"^(__init__|\.#)")
_QUICK_BYTES = 65536


class ConfigError(Exception):
    """A configuration the run cannot proceed with (exit 2 in the CLI)."""


class Project(Record):
    """One Alembic project: where its migrations live and where data scripts go."""

    _fields = ("root", "alembic_ini", "version_dirs", "url_dialect", "problems", "outside_dirs")
    __slots__ = _fields

    def __init__(
        self,
        root: Path,
        alembic_ini: Path | None = None,
        version_dirs: list[Path] | None = None,
        url_dialect: str | None = None,
        problems: list[str] | None = None,
        outside_dirs: list[Path] | None = None,
    ) -> None:
        # the folder holding alembic.ini, else the nearest with pyproject/setup.cfg/.git
        self.root = root
        self.alembic_ini = alembic_ini
        self.version_dirs: list[Path] = [] if version_dirs is None else version_dirs
        self.url_dialect = url_dialect  # from sqlalchemy.url
        self.problems: list[str] = [] if problems is None else problems
        # version locations outside `root` (also in `version_dirs`): their own files are
        # checked, their subfolders are not walked, and nothing in them is ever rewritten
        self.outside_dirs: list[Path] = [] if outside_dirs is None else outside_dirs

    def contains_version_file(self, path: Path, *, resolver: Resolver | None = None) -> bool:
        """A `.py` revision file inside one of the version locations (Alembic's own rule).

        A run over many files passes its `resolver`, so each folder is resolved once.
        """
        if not is_revision_name(path.name):
            return False
        if resolver is not None:
            return any(resolver.within(path, d) for d in self.version_dirs)
        return any(_is_within(path, d) for d in self.version_dirs)

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

    def not_writable(self, path: Path) -> str | None:
        """Why a fix may not rewrite `path` (its real path, links followed, is outside the
        root), or None. For planners and the editor, before offering a fix; the CLI's writes
        are refused the same way by `ddlguard.safe_write`."""
        root = str(self.root.resolve())
        real = str(safe_resolve(path))
        if is_within_str(real, root) and real != root:
            return None
        return f"the migration {real} is outside the project root {root}; ddlguard writes only inside it"


def _is_within(path: Path, folder: Path) -> bool:
    """Is `path` in `folder`? Its folder decides, not a symlink's target (Alembic lists folders)."""
    try:
        path.parent.resolve().joinpath(path.name).relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: symlink loop on old Pythons
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
    """The project of alembic.ini's `[alembic]` section (else its first configured section)."""
    return read_alembic_projects(ini)[0]


def read_alembic_projects(ini: Path) -> list[Project]:
    """Every project an ini file configures; problems are recorded rather than raised.

    Besides `[alembic]`, any section with a `script_location` is a project of its own
    (Alembic's `--name SECTION`, used for several databases or tenants in one file).
    Always at least one project.
    """
    base = Project(root=ini.parent.resolve(), alembic_ini=ini.resolve())
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(ini.read_text("utf-8"), source=str(ini))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc).splitlines()[0]
        base.problems.append(f"{ini}: cannot read: {reason}")
        return [base]
    sections = [
        name
        for name in parser.sections()
        if name == "alembic"
        or (
            parser.has_option(name, "script_location")
            and not name.startswith(("logger", "handler", "formatter", "post_write_hooks"))
        )
    ]
    if not sections:
        base.problems.append(f"{ini}: no [alembic] section")
        return [base]
    projects = [_section_project(ini, parser, name) for name in sections]
    configured = [p for p in projects if p.version_dirs]
    if configured and len(projects) > 1:
        projects = configured  # a bare [alembic] beside named sections only holds shared options
    return projects


def _section_project(ini: Path, parser: configparser.ConfigParser, section: str) -> Project:
    project = Project(root=ini.parent.resolve(), alembic_ini=ini.resolve())
    here = str(ini.parent.resolve())

    def value(key: str) -> str | None:
        raw = parser.get(section, key, fallback=None)
        return raw.replace("%(here)s", here).strip() if raw is not None else None

    script_location = value("script_location")
    version_locations = value("version_locations")
    separator = value("version_path_separator") or value("path_separator") or "os"
    url = value("sqlalchemy.url")
    if url:
        project.url_dialect = dialect_from_url(url)
    project.version_dirs = _version_dirs(ini.parent, script_location, version_locations, separator)
    if script_location is None and version_locations is None:
        beside = ini.parent / "versions"
        if beside.is_dir():  # Flask-Migrate: alembic.ini inside the script folder, no location
            project.version_dirs = [beside.resolve()]
        else:
            project.problems.append(f"{ini}: no script_location in [{section}]")
    bound_locations(project, f"{ini} [{section}]")
    missing = [vdir for vdir in project.version_dirs if not vdir.is_dir()]
    if (
        missing
        and len(missing) == len(project.version_dirs)
        and _templated(script_location, version_locations)
    ):
        # `{placeholder}` or `%(var)s` that only the application fills in at run time
        project.version_dirs = []
        project.problems.append(
            f"{ini}: the version locations of [{section}] cannot be resolved statically; "
            "the migrations are found by their versions/ folders instead"
        )
        return project
    for vdir in missing:
        project.problems.append(f"{ini}: version location {vdir} is not a folder")
    return project


def _templated(*locations: str | None) -> bool:
    """A location holding a placeholder filled in at run time (env.py, a cookiecutter)."""
    return any(loc is not None and ("{" in loc or "%(" in loc or "$" in loc) for loc in locations)


def bound_locations(project: Project, source: str) -> None:
    """Keep discovery inside the project root, reporting each location outside it at once.

    A location that holds the root itself (`/`, `..`, the home folder) is dropped: listing it
    would take the whole project, or the disk, for migrations. Any other location outside
    the root stays a version location whose own files are listed (as Alembic lists them,
    without `recursive_version_locations`) but whose subfolders are not walked; its files
    are checked and never rewritten (`ddlguard.safe_write` refuses writes outside the root).
    """
    root = str(project.root.resolve())
    kept: list[Path] = []
    for vdir in project.version_dirs:
        real = str(safe_resolve(vdir))
        if is_within_str(real, root):
            kept.append(vdir)
        elif is_within_str(root, real):
            project.problems.append(
                f"{source}: version location {vdir} holds the whole project root {root}:"
                " not searched (a configuration problem: name the versions folder itself)"
            )
        else:
            kept.append(vdir)
            project.outside_dirs.append(vdir)
            project.problems.append(
                f"{source}: version location {vdir} is outside the project root {root}: its"
                " files are checked but never fixed, and its subfolders are not searched"
            )
    project.version_dirs = kept


def _split_locations(text: str, separator: str) -> list[str]:
    seps = {"space": None, "newline": "\n", "os": os.pathsep, ":": ":", ";": ";", ",": ","}
    if separator in seps:
        sep = seps[separator]
        parts = text.split(sep) if sep else text.split()
    else:  # legacy: space or comma separated
        parts = re.split(r"[\s,]+", text)
    return [p.strip() for p in parts if p.strip()]


_PACKAGE_FORM = re.compile(r"^([A-Za-z_][\w.]*):(.*)$")


def _location(base: Path, text: str) -> Path:
    """A folder from a location: a path (relative to the ini's folder) or `package:path`.

    `package:path` names a folder inside an importable package; the package is looked for
    beside the ini, in `src/`, or as the ini's own folder, never imported.
    """
    match = _PACKAGE_FORM.match(text)
    if match is None or re.match(r"^[A-Za-z]:[\\/]", text):  # a Windows drive is a path
        return (base / text).resolve()
    package, rest = match.group(1), match.group(2)
    parts = package.split(".")
    inner = [p for p in rest.split(":") if p]  # Alembic joins every `:`-token as a path part
    for folder in (base, *list(base.parents)[:3]):
        for candidate in (folder.joinpath(*parts), folder.joinpath("src", *parts)):
            if (candidate / "__init__.py").is_file() or candidate.is_dir():
                return candidate.joinpath(*inner).resolve()
        if folder.name == parts[-1] and len(parts) == 1:
            return folder.joinpath(*inner).resolve()
    return base.joinpath(*inner).resolve()


def _version_dirs(
    base: Path, script_location: str | None, version_locations: str | None, separator: str
) -> list[Path]:
    if version_locations:
        return [_location(base, p) for p in _split_locations(version_locations, separator)]
    if script_location:
        return [_location(base, script_location) / "versions"]
    return []


def read_pyproject_alembic(pyproject: Path) -> Project | None:
    """Alembic 1.16+ can keep its settings in `[tool.alembic]` of pyproject.toml."""
    try:
        text = pyproject.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "alembic" not in text and "\\u" not in text and "\\U" not in text:
        # a key `alembic` is spelt so in TOML, else with a \u or \U escape in quotes: most
        # pyproject files (warehouse's, each package's of a monorepo) never load tomllib
        return None
    import tomllib  # lazily: most runs read no TOML file

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = data.get("tool")
    table = tool.get("alembic") if isinstance(tool, dict) else None
    if not isinstance(table, dict) or not isinstance(table.get("script_location"), str):
        return None
    base = pyproject.parent.resolve()
    loc = table["script_location"].replace("%(here)s", str(base))
    raw_versions = table.get("version_locations")
    if isinstance(raw_versions, list):
        raw_versions = "\n".join(str(v).replace("%(here)s", str(base)) for v in raw_versions)
        separator = "newline"
    elif isinstance(raw_versions, str):
        raw_versions = raw_versions.replace("%(here)s", str(base))
        separator = "space"
    else:
        raw_versions, separator = None, "space"
    project = Project(root=base, version_dirs=_version_dirs(base, loc, raw_versions, separator))
    bound_locations(project, f"{pyproject} [tool.alembic]")
    for vdir in project.version_dirs:
        if not vdir.is_dir():
            project.problems.append(f"{pyproject}: version location {vdir} is not a folder")
    return project


def walk_folders(
    top: Path,
    suffixes: tuple[str, ...] = (".py",),
    *,
    skip_files: Callable[[str], bool] | None = None,
    within: str | None = None,
    left_out: list[str] | None = None,
    recursive: bool = True,
) -> Iterator[tuple[str, list[tuple[str, bool]]]]:
    """Each folder under `top` (as walked) with its files ending in one of `suffixes`, sorted
    by name, each with whether it is a symlink (free from `scandir`, no `lstat` per file).

    Folders are visited in `os.walk` order (top-down, subfolders sorted), skipping tool and
    environment folders. Symlinked folders are followed, but each real folder is visited once,
    so symlink loops end. Unreadable folders are skipped (as `os.walk` does), never fatal.
    The files of a folder for which `skip_files` (given the folder as walked) is true are not
    listed; its subfolders still are (one may be a symlink to somewhere else).

    With `within` (a real path), a symlinked folder whose target is not inside it is not
    entered (a cloned repository's `link -> /` must not walk the disk); its path as walked
    goes to `left_out`. `recursive=False` lists `top` alone.
    """
    walk = _walk(top, suffixes, None, within=within, left_out=left_out, recursive=recursive)
    for folder, _, files in walk:
        if skip_files is None or not skip_files(folder):
            yield folder, files


def _walk(
    top: Path,
    suffixes: tuple[str, ...],
    real_top: str | None,
    *,
    within: str | None = None,
    left_out: list[str] | None = None,
    recursive: bool = True,
    configs: set[str] | None = None,
) -> Iterator[tuple[str, str | None, list[tuple[str, bool]]]]:
    """`walk_folders` (without `skip_files`), each folder with its real path when the walk
    knows it: `real_top` joined with the names of the folders below, none a symlink (None
    under a symlinked folder, which its caller resolves). Without `real_top`, always None.
    Folders holding an entry (of any kind) named `*.ini` or `pyproject.toml` go to `configs`:
    `projects_in_folder` of any other is empty."""
    seen: set[tuple[int, int]] = set()
    todo: list[tuple[str, str | None]] = [(os.fspath(top), real_top)]
    while todo:
        folder, real = todo.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
            st = os.stat(folder)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        dirs: list[tuple[str, bool]] = []
        files: list[tuple[str, bool]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            name = entry.name
            if configs is not None and (name.endswith(".ini") or name == "pyproject.toml"):
                configs.add(folder)
            if is_dir:
                if name in SKIP_DIRS or name.endswith(".egg-info") or not recursive:
                    continue
                link = entry.is_symlink()
                if within is not None and link and not _link_within(entry, within):
                    if left_out is not None:
                        left_out.append(entry.path)
                    continue
                dirs.append((name, link))
            elif name.endswith(suffixes):
                files.append((name, entry.is_symlink()))
        dirs.sort(reverse=True)
        todo.extend(
            (
                os.path.join(folder, d),
                None if link or real is None else os.path.join(real, d),
            )
            for d, link in dirs
        )
        files.sort()
        yield folder, real, files


def _link_within(entry: os.DirEntry[str], within: str) -> bool:
    try:
        return is_within_str(os.path.realpath(entry.path), within)
    except (OSError, ValueError):
        return False


def walk_files(
    top: Path,
    suffixes: tuple[str, ...] = (".py",),
    *,
    skip_files: Callable[[str], bool] | None = None,
    within: str | None = None,
    left_out: list[str] | None = None,
) -> Iterator[Path]:
    """Files under `top`, sorted, skipping tool and environment folders (`walk_folders`)."""
    walk = walk_folders(top, suffixes, skip_files=skip_files, within=within, left_out=left_out)
    for folder, files in walk:
        base = Path(folder)
        for name, _ in files:
            yield base / name


def looks_like_migration_text(text: str) -> bool:
    """A cheap pre-filter: module-level `revision`/`down_revision` and a `def upgrade`."""
    return "def upgrade" in text and bool(_MIGRATION_HINT.search(text))


class Discovery(Record):
    """What `discover` found: the projects, each candidate file with its project, problems."""

    _fields = ("projects", "files", "problems", "versioned", "found")
    __slots__ = _fields

    def __init__(
        self,
        projects: list[Project],
        files: list[tuple[Path, Project]],
        problems: list[str],
        versioned: set[str] | None = None,
        found: dict[str, list[Project]] | None = None,
    ) -> None:
        self.projects = projects
        self.files = files  # every candidate file with its project, in a stable order
        self.problems = problems
        # files listed from their project's version locations (`os.fspath` as in `files`):
        # `contains_version_file` is known to hold for them
        self.versioned: set[str] = set() if versioned is None else versioned
        # `find_projects(top)` of each folder in `paths` (by `os.fspath`), found on the way
        self.found: dict[str, list[Project]] = {} if found is None else found


def walk_bound(top: Path) -> str:
    """The real folder a walk from `top` stays in: its project root (the nearest folder at or
    above holding pyproject.toml, setup.cfg or .git), else `top` itself."""
    real_top = str(safe_resolve(top))
    root = str(safe_resolve(project_root_for(top)))
    return root if is_within_str(real_top, root) else real_top


def find_projects(top: Path, *, left_out: list[str] | None = None) -> list[Project]:
    """Alembic projects under a folder: every alembic.ini, else [tool.alembic], else versions folders."""
    walk = walk_files(top, (".ini", ".toml"), within=walk_bound(top), left_out=left_out)
    return _projects_from(walk)


def _projects_from(configs: Iterable[Path]) -> list[Project]:
    """The projects of the `.ini` and `.toml` files of a walk, in walk order."""
    projects: list[Project] = []
    for path in configs:
        if path.name == "alembic.ini" or (path.suffix == ".ini" and _is_alembic_ini(path)):
            projects.extend(read_alembic_projects(path))
        elif path.name == "pyproject.toml":
            p = read_pyproject_alembic(path)
            if p is not None and not any(q.root == p.root for q in projects):
                projects.append(p)
    return projects


def _is_alembic_ini(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(_QUICK_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return "[alembic]" in head and "script_location" in head


def projects_in_folder(folder: Path) -> list[Project]:
    """The Alembic projects configured in one folder: each section of its ini files, then
    `[tool.alembic]` in its pyproject.toml."""
    found: list[Project] = []
    try:
        inis = sorted(folder.glob("*.ini"))
    except OSError:
        inis = []
    for ini in inis:
        if ini.name == "alembic.ini" or _is_alembic_ini(ini):
            found.extend(read_alembic_projects(ini))
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        p = read_pyproject_alembic(pyproject)
        if p is not None:
            found.append(p)
    return found


class _ProjectLookup:
    """`project_for_file` with the alembic.ini / pyproject reads of each folder done once per run."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._folder: dict[str, list[Project]] = {}  # by real folder
        self._fallback: dict[Path, Project] = {}
        self._roots: dict[str, Path] = {}  # by real folder
        self._resolver = resolver or Resolver()
        # a resolved folder -> the projects of it and its parents, nearest first
        self._around: dict[str, list[Project]] = {}

    def _projects_in(self, folder: str) -> list[Project]:
        found = self._folder.get(folder)
        if found is None:
            found = self._folder[folder] = projects_in_folder(Path(folder))
        return found

    def no_configs(self, real_folder: str) -> None:
        """A walk saw no `*.ini` or `pyproject.toml` in this real folder: no project in it."""
        self._folder.setdefault(real_folder, [])

    def _around_of(self, folder: str) -> list[Project]:
        """The projects of a real folder and of its parents, nearest first (per folder)."""
        around = self._around.get(folder)
        if around is None:
            parent = os.path.dirname(folder)
            above = self._around_of(parent) if parent != folder else []
            around = self._around[folder] = self._projects_in(folder) + above
        return around

    def configured(self, path: Path) -> Project | None:
        """The Alembic project whose version locations hold `path`, if any."""
        return self.configured_in(self._resolver.folder(path.parent), path.name)

    def configured_in(self, folder: str, name: str) -> Project | None:
        """`configured` of the file `name` in the real folder `folder`."""
        around = self._around_of(folder)  # per folder, not per file (7,870 lookups for 895)
        if not around or not is_revision_name(name):
            return None
        resolved = Path(folder) / name
        for project in around:
            if project.contains_version_file(resolved, resolver=self._resolver):
                return project
        return None

    def fallback(self, path: Path) -> Project:
        """A project with no version locations, rooted by `project_root_for` (cached per folder)."""
        return self.fallback_in(self._resolver.folder(path.parent))

    def fallback_in(self, real_folder: str) -> Project:
        """`fallback` of a file in the real folder `real_folder`."""
        root = self._roots.get(real_folder)
        if root is None:
            root = self._roots[real_folder] = project_root_for(Path(real_folder)).resolve()
        if root not in self._fallback:
            self._fallback[root] = Project(root=root)
        return self._fallback[root]

    def __call__(self, path: Path) -> Project:
        return self.configured(path) or self.fallback(path)


def project_for_file(path: Path) -> Project:
    """The project a file belongs to: the nearest Alembic config whose version locations hold it.

    A file outside every version location gets a project rooted at the nearest folder with
    pyproject.toml, setup.cfg or .git (else the current folder) and no version locations, so
    only its own content (revision, down_revision, upgrade) can make it a migration.
    """
    return _ProjectLookup()(path)


def discover(
    paths: Sequence[Path], *, resolver: Resolver | None = None, cache: RunCache | None = None
) -> Discovery:
    """Candidate migration files under `paths` with their projects.

    Folders: files in the version locations of the Alembic projects found under them, plus
    `.py` files elsewhere that sit in a known version location or look like migrations.
    Files given explicitly are always candidates; the engine decides whether they are
    migrations (or `--force-migration` does). A run's `resolver` learns every file's real
    path here, so later steps of the run look it up. With a `cache`, whether a file outside
    the version locations looks like a migration is remembered by its stamp (in the cache
    of the walk's bound, `walk_bound`): a warm run reads none of them.
    """
    projects: list[Project] = []
    files: list[tuple[Path, Project]] = []
    problems: list[str] = []
    seen: set[str] = set()  # `Resolver.file_key`s
    resolver = resolver or Resolver()
    lookup = _ProjectLookup(resolver)

    versioned: set[str] = set()
    found_in: dict[str, list[Project]] = {}

    def add(path: Path, project: Project, listed: tuple[str, bool] | None = None) -> None:
        if listed is None:
            key = resolver.file_key(path)
        else:  # what `Resolver.file_key` would give, without asking it per file
            real, symlink = listed
            text = os.fspath(path)
            resolver.remember(text, real, symlink=symlink)
            key = os.path.normcase(real)
        if key not in seen:
            seen.add(key)
            files.append((path, project))
            if listed is not None:
                versioned.add(text)

    for top in paths:
        if top.is_file():
            add(top, lookup(top))
            continue
        if not top.is_dir():
            problems.append(f"{top}: no such file or directory")
            continue
        left_out: list[str] = []  # symlinked folders pointing out of the project
        bound = walk_bound(top)
        # one walk for the configs and the `.py` files (it was two), real paths worked out
        # from the top's as it goes (`realpath` of each folder stats every component)
        configs: set[str] = set()
        walk = _walk(
            top,
            (".py", ".ini", ".toml"),
            resolver.folder(top),
            within=bound,
            left_out=left_out,
            configs=configs,
        )
        listing = list(walk)
        for folder, real, _ in listing:
            if real is not None:
                resolver.remember_folder(folder, real)
                if folder not in configs:
                    lookup.no_configs(real)
        found = _projects_from(
            Path(folder) / name
            for folder, _, names in listing
            for name, _ in names
            if name.endswith((".ini", ".toml"))
        )
        found_in.setdefault(os.fspath(top), found)
        for project in found:
            projects.append(project)
            problems.extend(project.problems)
            for vdir in project.version_dirs:
                if vdir.is_dir():
                    listed = _version_files(project, vdir, top, resolver, left_out)
                    for path, key, symlink in listed:
                        add(path, project, (key, symlink))
        covered = [d.resolve() for p in found for d in p.version_dirs]
        skip = _covered_by(covered, resolver)
        heads = cache.for_root(Path(bound)) if cache is not None else None
        for folder, real, names in listing:
            # a covered folder's files were all listed (or rejected) with their project
            if skip(folder):
                continue
            real = real or resolver.folder(folder)
            for name, is_link in names:
                if not name.endswith(".py"):
                    continue
                linked = Path(folder) / name if is_link else None
                key = (
                    resolver.file_key(linked)
                    if linked is not None
                    else os.path.normcase(os.path.join(real, name))
                )
                if key in seen:
                    continue
                owner = lookup.configured_in(real, name)
                if owner is None and not _looks_like_migration(
                    linked or os.path.join(folder, name), key, heads
                ):
                    continue
                file = linked
                if file is None:
                    file = Path(folder) / name
                    resolver.remember(file, os.path.join(real, name), symlink=False)
                if owner is not None:
                    add(file, owner)
                    if owner not in projects:
                        projects.append(owner)
                else:
                    add(file, lookup.fallback_in(real))
        problems.extend(
            f"{link}: a symlink to a folder outside the project: not searched"
            for link in dict.fromkeys(left_out)
        )
    return Discovery(projects, files, problems, versioned, found_in)


def _looks_like_migration(path: Path | str, key: str, heads: ProjectCache | None) -> bool:
    """`_quick_is_migration`, remembered in `heads` by the file's stamp (`key`: its real path).
    A file that is no regular file, or lies outside the cache's root, is read every time."""
    if heads is None:
        return _quick_is_migration(path)
    from ddlguard.cache import file_stamp

    rel = heads.relative(key)
    stamp = file_stamp(key) if rel is not None else None
    if rel is None or stamp is None:
        return _quick_is_migration(path)
    known = heads.head(rel, stamp)
    if known is None:
        known = _quick_is_migration(path)
        heads.store_head(rel, stamp, known)
    return known


def _covered_by(covered: list[Path], resolver: Resolver) -> Callable[[str], bool]:
    """Is a walked folder inside a version location? Its files were all listed (or rejected)
    with their project already, so the tree walk skips it."""
    real_covered = [str(d) for d in covered]

    def is_covered(folder: str) -> bool:
        real = resolver.strict_folder(folder)
        return real is not None and any(is_within_str(real, d) for d in real_covered)

    return is_covered


def version_folders(
    project: Project, vdir: Path, resolver: Resolver, left_out: list[str] | None = None
) -> Iterator[tuple[str, list[tuple[str, bool]]]]:
    """Each folder under `vdir` (as walked) that lies in one of the project's version
    locations, with its revision files (name, is a symlink): `contains_version_file`, decided
    once per folder (a name holds no separator).

    The walk stays in the project root (`bound_locations`): a location outside it is listed
    alone, and a symlinked folder leading out of the root is not entered (its path goes to
    `left_out`). Walked once per run: the `resolver` keeps the lists (shared, never to be
    changed) for discovery and the revision graph, which both ask.
    """
    recursive = vdir not in project.outside_dirs
    memo = (
        os.fspath(vdir),
        os.fspath(project.root),
        recursive,
        *map(os.fspath, project.version_dirs),
    )
    known = resolver.listings.get(memo)
    if known is None:  # listed once per run: discovery and the revision graph both ask
        skipped: list[str] = []
        walk = walk_folders(
            vdir, within=resolver.folder(project.root), left_out=skipped, recursive=recursive
        )
        listed = [
            (folder, [(name, link) for name, link in files if is_revision_name(name)])
            for folder, files in walk
            if any(resolver.folder_within(folder, d) for d in project.version_dirs)
        ]
        known = resolver.listings[memo] = (listed, skipped)
    listed, skipped = known
    if left_out is not None:
        left_out.extend(skipped)
    yield from listed


def project_version_files(project: Project, resolver: Resolver | None = None) -> Iterator[Path]:
    """Every revision file of the project's version locations, as walked, within its bounds
    (`version_folders`): for readers that need the files, not discovery's report paths."""
    resolver = resolver or Resolver()
    for vdir in project.version_dirs:
        if vdir.is_dir():
            for folder, names in version_folders(project, vdir, resolver):
                yield from (Path(folder) / name for name, _ in names)


def _version_files(
    project: Project, vdir: Path, top: Path, resolver: Resolver, left_out: list[str]
) -> Iterator[tuple[Path, str, bool]]:
    """(path to report, resolved path, is a symlink) of each revision file under `vdir`, in
    walk order.

    What `_relative_like` and `Resolver.file` would say of each file, decided once per
    folder, and `scandir` already knows which files are symlinks. A symlinked file is
    reported under its real path (so it is one file, fixed through that path or not at all).
    """
    top_real = resolver.folder(top)
    for folder, names in version_folders(project, vdir, resolver, left_out):
        real = resolver.folder(folder)
        shown = top / Path(real).relative_to(top_real) if is_within_str(real, top_real) else None
        base = Path(folder) if shown is None else shown
        for name, is_link in names:
            path = _child(base, name)
            if not is_link:
                yield path, os.path.join(real, name), False
                continue
            target = str(safe_resolve(path))
            if not os.path.isfile(target):  # dangling or looping: the link is what there is
                yield path, target, True
                continue
            if is_within_str(target, top_real):
                yield top / Path(target).relative_to(top_real), target, False
            else:
                yield Path(target), target, False


def _child(folder: Path, name: str) -> Path:
    """`folder / name` for a name from a folder listing (no separator, never `.` or `..`):
    pathlib's own shortcut for such names where it has one (no parsing per file)."""
    make = getattr(folder, "_make_child_relpath", None)
    return make(name) if make is not None else folder / name  # type: ignore[no-any-return]


def is_revision_name(name: str) -> bool:
    """A `.py` file name Alembic reads as a revision (not `__init__.py`, not an editor lock)."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:] == ".py" and not _NOT_A_REVISION.match(name)


def _relative_like(found: Path, top: Path, resolver: Resolver | None = None) -> Path:
    """Keep paths under the user's argument readable (relative if `top` was relative)."""
    resolver = resolver or Resolver()
    where, folder = resolver.in_folder(found), resolver.folder(top)
    if not is_within_str(where, folder):
        return found
    return top / Path(where).relative_to(folder)


def _quick_is_migration(path: Path | str) -> bool:
    """Whether a file's head looks like a migration; only a regular file can (a FIFO named
    `*.py` is opened without waiting for a writer, and is none)."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        chunks: list[bytes] = []
        left = _QUICK_BYTES
        while left > 0 and (chunk := os.read(fd, left)):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return False
    finally:
        os.close(fd)
    return looks_like_migration_text(_head_text(b"".join(chunks)))


def _head_text(head: bytes) -> str:
    """The start of a file decoded as Python would (its coding cookie), errors replaced."""
    from ddlguard.source_encoding import SourceDecodeError, declared_encoding

    try:
        encoding, _ = declared_encoding(head)
        return head.decode(encoding, errors="replace")
    except (SourceDecodeError, LookupError, TypeError, ValueError):
        return head.decode("utf-8", errors="replace")
