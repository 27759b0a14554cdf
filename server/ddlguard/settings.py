"""Settings: `[tool.ddlguard]` in pyproject.toml or a `ddlguard.toml`, validated key by key.

A bad key or value never stops the run: it becomes a `ConfigProblem` naming the file and the
key, and the default is used. The editor's settings are merged under the project's file
(`Settings.merged_over`), so the project file wins.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ddlguard.globs import GlobError, compile_glob
from ddlguard.model import Severity
from ddlguard.paths import safe_resolve
from ddlguard.records import EMPTY, pickled_with_fresh_empty
from ddlguard.rules import RULES, expand_selector

DIALECTS = ("postgresql", "mysql", "sqlite", "mssql", "oracle", "generic")
DEFAULT_SELECT = ("DG0", "DG1", "DG2", "DG4")


class ConfigProblem(NamedTuple):
    """An unknown key or a bad value in a config file: where, which key, what is wrong.

    A NamedTuple rather than a frozen dataclass: that one cost ~3 M instructions to create
    at every start-up (docs/performance.md).
    """

    source: str  # file path or "editor settings"
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: {self.message}"


class Settings(NamedTuple):
    """The effective configuration for a file: `[tool.ddlguard]` keys over defaults (a
    NamedTuple, see `ddlguard.records`)."""

    select: tuple[str, ...] = DEFAULT_SELECT
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = EMPTY
    dialect: str | None = None  # None: from alembic.ini's sqlalchemy.url, else postgresql
    scripts_dir: str | None = None  # None: scripts/sql beside alembic.ini
    transaction: bool = True  # script-template.transaction
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    since_revision: str | None = None
    diff_base: str | None = None
    # where these came from (the config file), for messages and relative paths
    source: Path | None = None
    problems: tuple[ConfigProblem, ...] = ()
    # which keys were set explicitly (so merging knows what the project file decided)
    explicit: frozenset[str] = frozenset()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return pickled_with_fresh_empty(self)

    def enabled_codes(self) -> set[str]:
        return set(_enabled_codes(tuple(self.select), tuple(self.ignore)))

    def accepts_path(self, path: Path) -> bool:
        """Whether `include`/`exclude` let `path` be checked.

        Globs are relative to the folder holding the config file (the current folder when
        there is none); see `path_matches`. With `include` set, only matching files are
        checked; a file matching `exclude` never is.
        """
        if not self.include and not self.exclude:
            return True
        base = self.source.parent if self.source else Path.cwd()
        if self.include and not any(path_matches(path, g, base) for g in self.include):
            return False
        return not any(path_matches(path, g, base) for g in self.exclude)

    def is_enabled(self, code: str) -> bool:
        return code in self.enabled_codes()

    def severity_of(self, code: str) -> Severity:
        return self.severity.get(code, RULES[code].severity)

    def merged_over(self, base: Settings) -> Settings:
        """These settings (the project file) over `base` (editor settings): explicit keys win."""
        values = {name: getattr(self if name in self.explicit else base, name) for name in _FIELDS}
        return self._replace(
            **values,
            problems=base.problems + self.problems,
            explicit=self.explicit | base.explicit,
        )


@functools.lru_cache(maxsize=64)
def _enabled_codes(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """Cached: the engine asks once per file and the graph once per finding."""
    codes: set[str] = set()
    for sel in select:
        codes |= expand_selector(sel)
    for sel in ignore:
        codes -= expand_selector(sel)
    return frozenset(codes)


_FIELDS = ("select", "ignore", "severity", "dialect", "scripts_dir", "transaction",
           "include", "exclude", "since_revision", "diff_base")  # fmt: skip


def path_matches(path: Path, pattern: str, base: Path) -> bool:
    """Does `pattern` match `path` (relative to `base`) or one of its parent folders?

    A pattern without `/` matches a file or folder name at any depth (`legacy_*.py`);
    one with `/` is anchored at `base` (`alembic/versions/2019_*`). Matching a folder
    matches everything below it.
    """
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(base))
    except ValueError:
        return False
    try:
        glob = compile_glob(pattern)
    except GlobError:
        return False  # reported when the config was read (`_globs`)
    return glob.matches(rel.as_posix().split("/"))


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("expected a string or a list of strings")


class _Partly(ValueError):
    """A value whose bad items are dropped: the rest is used, the message says what was dropped."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value


def _globs(value: Any) -> tuple[str, ...]:
    """include/exclude patterns: relative to the config file's folder, never reaching out of it.

    A glob that cannot be read (`[z-a]`, an unclosed `[`) is dropped, the others kept.
    """
    items = _str_list(value)
    for item in items:
        norm = item.strip().replace("\\", "/")
        if norm.startswith("/") or re.match(r"^[A-Za-z]:/", norm) or ".." in norm.split("/"):
            raise ValueError(
                f"{item!r} points outside the folder of the config file (globs are relative to it)"
            )
    kept: list[str] = []
    errors: list[str] = []
    for item in items:
        try:
            compile_glob(item)
        except GlobError as exc:
            errors.append(str(exc))
        else:
            kept.append(item)
    if errors:
        raise _Partly(tuple(kept), f"{'; '.join(errors)}: ignored")
    return items


def _selectors(value: Any) -> tuple[str, ...]:
    items = _str_list(value)
    for item in items:
        expand_selector(item)
    return items


def _severities(value: Any) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        raise ValueError('expected a table like {DG005 = "error"}')
    out: dict[str, Severity] = {}
    for code, sev in value.items():
        if str(code).upper() not in RULES:
            raise ValueError(f"unknown rule code {code!r}")
        if not isinstance(sev, str):
            raise ValueError(f"severity of {code} must be a string")
        out[str(code).upper()] = Severity.parse(sev)
    return out


def _dialect(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in DIALECTS:
        raise ValueError(f"expected one of {', '.join(DIALECTS)}")
    return value.lower()


def _opt_str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def _template(value: Any) -> bool:
    if not isinstance(value, Mapping):
        raise ValueError("expected a table like {transaction = true}")
    unknown = set(value) - {"transaction"}
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
    t = value.get("transaction", True)
    if not isinstance(t, bool):
        raise ValueError("transaction must be true or false")
    return t


_KEYS = {
    "select": ("select", _selectors),
    "ignore": ("ignore", _selectors),
    "severity": ("severity", _severities),
    "dialect": ("dialect", _dialect),
    "scripts-dir": ("scripts_dir", _opt_str),
    "script-template": ("transaction", _template),
    "include": ("include", _globs),
    "exclude": ("exclude", _globs),
    "since-revision": ("since_revision", _opt_str),
    "diff-base": ("diff_base", _opt_str),
}


def settings_from_mapping(
    table: Mapping[str, Any], source: str, path: Path | None = None
) -> Settings:
    """Validate a `[tool.ddlguard]`-shaped mapping; bad keys become problems, defaults stay."""
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    for key, raw in table.items():
        norm = key.replace("_", "-")
        spec = _KEYS.get(norm)
        if spec is None:
            import difflib  # only to suggest a key for a misspelt one

            close = difflib.get_close_matches(norm, list(_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(_KEYS)
            problems.append(ConfigProblem(source, key, f"unknown key{hint}; known keys: {known}"))
            continue
        attr, parse = spec
        try:
            values[attr] = parse(raw)
        except _Partly as exc:
            values[attr] = exc.value
            problems.append(ConfigProblem(source, key, str(exc)))
        except ValueError as exc:
            problems.append(ConfigProblem(source, key, f"{exc}; using the default"))
    return Settings(**values, source=path, problems=tuple(problems), explicit=frozenset(values))


def find_config_file(start: Path) -> Path | None:
    """The nearest `ddlguard.toml`, or `pyproject.toml` with a `[tool.ddlguard]` table, at or above `start`."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "ddlguard.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(pyproject: Path) -> bool:
    import tomllib  # lazily: most runs read no TOML file

    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "ddlguard" in tool


def load_settings(config_file: Path) -> Settings:
    """Read one config file. An unreadable or invalid file gives defaults plus a problem.

    In `ddlguard.toml` the keys sit at the top level (or under `[tool.ddlguard]`); in
    pyproject.toml under `[tool.ddlguard]`.
    """
    source = str(config_file)
    import tomllib  # lazily: most runs read no TOML file

    try:
        data = tomllib.loads(config_file.read_text("utf-8"))
    except OSError as exc:
        problem = ConfigProblem(source, "-", f"cannot read: {exc.strerror or exc}; using defaults")
        return Settings(source=config_file, problems=(problem,))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problem = ConfigProblem(source, "-", f"invalid TOML: {exc}; using defaults")
        return Settings(source=config_file, problems=(problem,))
    tool = data.get("tool")
    if config_file.name == "pyproject.toml":
        table = tool.get("ddlguard", {}) if isinstance(tool, dict) else {}
    elif isinstance(tool, dict) and "ddlguard" in tool:
        table = tool["ddlguard"]
    else:
        table = data
    if not isinstance(table, dict):
        problem = ConfigProblem(source, "tool.ddlguard", "expected a table; using defaults")
        return Settings(source=config_file, problems=(problem,))
    return settings_from_mapping(table, source, config_file)


def settings_for(path: Path) -> Settings:
    """Settings that apply to a file or folder: its nearest config file, else the defaults."""
    config = find_config_file(safe_resolve(path))
    return load_settings(config) if config else Settings()
