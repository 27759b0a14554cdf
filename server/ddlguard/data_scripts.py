"""DG401: schema changes (DDL) inside a `scripts/sql` data script, the mirror of DG001.

Scripts are read with the same SQL machinery as migrations (`ddlguard.sql.classify_sql`).
Transaction and session control (`BEGIN`, `COMMIT`, `SET`, ...) is fine, and so is a
`CREATE TEMP TABLE` used to stage rows: it disappears with the session. Suppression uses SQL
comments: `-- noqa: DG401` at the end of the statement's first or last line, or
`-- ddlguard: noqa` on a line of its own to skip the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ddlguard.lazy_re import LazyPattern
from ddlguard.model import FileResult, Finding, Range
from ddlguard.paths import safe_resolve
from ddlguard.project import (
    ConfigError,
    Project,
    find_projects,
    projects_in_folder,
    walk_bound,
    walk_files,
)
from ddlguard.runner import CheckedFile, CheckRun, read_source
from ddlguard.settings import Settings, settings_for

if TYPE_CHECKING:
    from ddlguard.sql import SqlStatement

_TEMP_TABLE = LazyPattern(r"^\s*CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\s+TABLE\b", re.I)
_NOQA = LazyPattern(r"--\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.I)
_FILE_NOQA = LazyPattern(r"^\s*--\s*ddlguard:\s*noqa\s*$", re.I | re.M)
_LINE_BREAK = LazyPattern(r"\r\n|\r|\n")


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and 0-based code-point column of a string offset."""
    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index]


def _is_schema_change(stmt: SqlStatement) -> bool:
    from ddlguard.sql import StatementKind

    if stmt.kind is StatementKind.DDL:
        return not _TEMP_TABLE.match(stmt.text)
    # CREATE TABLE ... AS SELECT fills a table, but the new table is a schema change
    return stmt.verb == "CREATE TABLE AS" and not _TEMP_TABLE.match(stmt.text)


def _temporary_created(stmt: SqlStatement, dialect: str) -> frozenset[str]:
    """The temporary tables a `CREATE TEMP TABLE` statement creates (lower-cased names)."""
    if not _TEMP_TABLE.match(stmt.text):
        return frozenset()
    from ddlguard.fix.dependencies import sql_footprint

    return sql_footprint([stmt.text], dialect).temporary


def _on_own_temporary(
    stmt: SqlStatement, created: frozenset[str], dialect: str
) -> frozenset[str] | None:
    """For DDL whose every relation is a temporary table created earlier in the script: the
    names that end with it (a DROP or a rename; empty otherwise); None for any other statement.

    Unqualified names resolve to the session's temporary table first on PostgreSQL, MySQL and
    SQLite, so `CREATE INDEX ON m` and `DROP TABLE m` act on it; a name qualified with another
    schema (`public.m`) is a real table, and anything the parser cannot read counts as DDL.
    """
    if not created:
        return None
    from ddlguard.fix.dependencies import sql_footprint

    footprint = sql_footprint([stmt.text], dialect)
    names = footprint.tables | footprint.temporary
    if not (footprint.known and names and names <= created):
        return None
    if dialect in ("postgresql", "postgres"):
        renamed = _pg_temporary_only(stmt.text)
    else:
        renamed = _glot_temporary_only(stmt.text, dialect)
    if renamed is None:
        return None
    return names if renamed or stmt.verb.startswith("DROP") else frozenset()


_TEMPORARY_SCHEMAS = frozenset({"pg_temp", "temp"})


def _pg_temporary_only(text: str) -> bool | None:
    """None when a relation is qualified with a schema other than the temporary one (or the
    text does not parse); else whether the statement renames a table."""
    import json

    from ddlguard.fix.dependencies import walk_json
    from ddlguard.sql import libpg

    parser = libpg.parser()
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except (parser.ParseError, ValueError, RecursionError):
        return None
    renamed = False
    for node in walk_json(tree):
        if "relname" in node:
            schema = node.get("schemaname")
            if "catalogname" in node or (
                isinstance(schema, str) and schema.lower() not in _TEMPORARY_SCHEMAS
            ):
                return None
        renamed |= node.get("renameType") == "OBJECT_TABLE"
        for obj in node.get("objects", []) if "removeType" in node else []:
            items = obj.get("List", {}).get("items", []) if isinstance(obj, dict) else []
            parts = [i.get("String", {}).get("sval") for i in items if isinstance(i, dict)]
            if len(parts) > 2 or (
                len(parts) == 2 and str(parts[0]).lower() not in _TEMPORARY_SCHEMAS
            ):
                return None
    return renamed


def _glot_temporary_only(text: str, dialect: str) -> bool | None:
    """`_pg_temporary_only` for the other dialects, with sqlglot."""
    from ddlguard.sql.generic import _dialect, _sqlglot

    sqlglot, exp = _sqlglot()
    try:
        trees = _dialect(dialect).parse(text)
    except (sqlglot.errors.SqlglotError, RecursionError):
        return None
    renamed = False
    for tree in trees:
        if tree is None:
            return None
        for table in tree.find_all(exp.Table):
            if table.catalog or (table.db and table.db.lower() not in _TEMPORARY_SCHEMAS):
                return None
        renamed |= tree.find(exp.AlterRename) is not None
    return renamed


def _suppressed(lines: list[str], first: int, last: int) -> bool:
    for number in {first, last}:
        m = _NOQA.search(lines[number - 1])
        if m and (m.group("codes") is None or "DG401" in m.group("codes").upper()):
            return True
    return False


def analyze_sql_script(text: str, path: Path, settings: Settings, dialect: str) -> FileResult:
    """DG401 for one data script's text. Pure: the language server calls it for open `.sql` files."""
    if text.startswith("\ufeff"):
        text = text[1:]
    result = FileResult(path=path, findings=[], is_migration=False)
    if not settings.is_enabled("DG401") or _FILE_NOQA.search(text):
        return result
    from ddlguard.sql import classify_sql  # here: a run without data scripts never needs it

    starts = _line_starts(text)
    lines = _LINE_BREAK.split(text)
    created: frozenset[str] = frozenset()  # temporary tables the script has created so far
    for stmt in classify_sql(text, dialect):
        if not _is_schema_change(stmt):
            created |= _temporary_created(stmt, dialect)
            continue
        ended = _on_own_temporary(stmt, created, dialect)
        if ended is not None:
            created -= ended  # after a DROP or a rename the name is a real table's again
            continue
        line, col = _position(starts, stmt.start)
        end_line, end_col = _position(starts, stmt.end)
        if _suppressed(lines, line, end_line):
            continue
        rng = Range.of(line, col, end_line, end_col)
        result.findings.append(
            Finding(
                code="DG401",
                message=f"{stmt.describe()} in a data script: schema changes belong in an "
                "Alembic migration",
                severity=settings.severity_of("DG401"),
                range=rng,
                statement_range=rng,
                fix=None,
                data={
                    "kind": "script",
                    "phase": None,
                    "function": None,
                    "statement": stmt.describe(),
                    "sql": stmt.text,
                    "movable": False,
                },
            )
        )
    return result


def _scripts_dir(project: Project, settings: Settings) -> Path | None:
    try:
        return project.scripts_dir(settings.scripts_dir)
    except ConfigError:  # reported by the CLI before we get here
        return None


def _check_script(path: Path, project: Project, settings: Settings) -> CheckedFile:
    source, failed = read_source(path)
    if failed is not None:
        # a script that cannot be read is reported like an unreadable migration
        return CheckedFile(failed.copy(is_migration=False), project, settings, None)
    assert source is not None
    result = analyze_sql_script(source, path, settings, project.dialect(settings.dialect))
    return CheckedFile(result, project, settings, source)


def check_data_scripts(run: CheckRun, paths: Sequence[Path]) -> list[CheckedFile]:
    """DG401 for the `.sql` files of every project's scripts dir under `paths`.

    Projects come from the run's migrations and from the Alembic configs under `paths`. A
    script is checked when it lies under a folder in `paths` or is named there, so checking
    one migration (a pre-commit run) does not report every script of its project.
    Settings are those of the project's migrations in this run (with command-line flags),
    else the nearest config file's. Only files with findings or errors are returned.
    """
    projects: dict[Path, tuple[Project, Settings]] = {}
    roots: dict[int, Path] = {}  # by id(project): a run's files share a few project objects
    for cf in run.files:
        root = roots.get(id(cf.project))
        if root is None:
            root = roots[id(cf.project)] = cf.project.root.resolve()
        projects.setdefault(root, (cf.project, cf.settings))
    for top in paths:
        if top.is_dir():
            known = run.found_projects.get(str(top))  # discovery walked it already
            for project in find_projects(top) if known is None else known:
                projects.setdefault(project.root.resolve(), (project, settings_for(project.root)))
    explicit = [p for p in paths if p.is_file() and p.suffix.lower() == ".sql"]

    targets: dict[Path, tuple[Path, Project, Settings]] = {}
    for project, settings in projects.values():
        folder = _scripts_dir(project, settings)
        if folder is None or not folder.is_dir():
            continue
        for script in walk_files(folder, (".sql",), within=walk_bound(folder)):
            if any(
                top.is_dir() and safe_resolve(script).is_relative_to(top.resolve()) for top in paths
            ):
                targets.setdefault(
                    safe_resolve(script), (_display_like(script, paths), project, settings)
                )
    for script in explicit:
        owner = owner_of_script(script, [p for p, _ in projects.values()])
        if owner is not None:
            project = owner[0]
            settings = projects.get(project.root.resolve(), (project, settings_for(script)))[1]
            targets.setdefault(safe_resolve(script), (script, project, settings))

    checked = [_check_script(*targets[key]) for key in sorted(targets)]
    return [cf for cf in checked if cf.result.findings or cf.result.error]


def owner_of_script(script: Path, known: Sequence[Project] = ()) -> tuple[Project, Path] | None:
    """The project whose scripts folder holds `script`, and that folder: one of `known`, else
    one configured in a folder above the script (a data script is never in a versions folder,
    so `project_for_file` cannot find it)."""
    resolved = safe_resolve(script)
    candidates = list(known)
    for folder in resolved.parents:
        candidates.extend(projects_in_folder(folder))
    for project in candidates:
        target = _scripts_dir(project, settings_for(script))
        if target is not None and resolved.is_relative_to(target):
            return project, target
    return None


def _display_like(found: Path, paths: Sequence[Path]) -> Path:
    """Relative to a relative PATH argument that holds it, so reports read like the migrations'."""
    for top in paths:
        if top.is_dir() and not top.is_absolute():
            try:
                return top / safe_resolve(found).relative_to(top.resolve())
            except ValueError:
                continue
    return found
