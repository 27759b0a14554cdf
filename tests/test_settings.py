"""`[tool.ddlguard]` / `ddlguard.toml`: validation key by key, defaults on error, path globs."""

from __future__ import annotations

from pathlib import Path

import pytest
from ddlguard.model import Severity
from ddlguard.runner import SettingsCache, check_file
from ddlguard.settings import (
    DEFAULT_SELECT,
    Settings,
    find_config_file,
    load_settings,
    path_matches,
    settings_for,
    settings_from_mapping,
)


def test_valid_table_sets_every_key() -> None:
    s = settings_from_mapping(
        {
            "select": ["DG0", "DG101"],
            "ignore": "DG005",
            "severity": {"dg006": "error"},
            "dialect": "MySQL",
            "scripts-dir": "db/data",
            "script-template": {"transaction": False},
            "include": ["alembic/**"],
            "exclude": ["legacy"],
            "since_revision": "abc123",
            "diff-base": "origin/main",
        },
        "pyproject.toml",
    )
    assert s.problems == ()
    assert s.select == ("DG0", "DG101") and s.ignore == ("DG005",)
    assert s.severity_of("DG006") is Severity.ERROR
    assert s.dialect == "mysql" and s.scripts_dir == "db/data" and s.transaction is False
    assert s.include == ("alembic/**",) and s.exclude == ("legacy",)
    assert (s.since_revision, s.diff_base) == ("abc123", "origin/main")
    assert "DG005" not in s.enabled_codes() and "DG101" in s.enabled_codes()


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ({"selct": ["DG0"]}, "selct", "unknown key (did you mean 'select'?)"),
        ({"select": ["DG9"]}, "select", "unknown rule selector 'DG9'"),
        ({"ignore": 3}, "ignore", "expected a string or a list of strings"),
        ({"severity": {"DG001": "fatal"}}, "severity", "unknown severity 'fatal'"),
        ({"severity": {"XX1": "error"}}, "severity", "unknown rule code 'XX1'"),
        ({"dialect": "klingon"}, "dialect", "expected one of postgresql"),
        ({"scripts-dir": ""}, "scripts-dir", "expected a non-empty string"),
        ({"script-template": {"transaction": "yes"}}, "script-template", "true or false"),
        ({"script-template": {"tx": True}}, "script-template", "unknown key(s) tx"),
    ],
)
def test_bad_key_is_a_problem_naming_file_and_key_and_default_stays(
    table: dict[str, object], key: str, fragment: str
) -> None:
    s = settings_from_mapping(table, "svc/pyproject.toml")
    [problem] = s.problems
    assert (problem.source, problem.key) == ("svc/pyproject.toml", key)
    assert fragment in problem.message
    assert str(problem).startswith(f"svc/pyproject.toml: {key}: ")
    defaults = Settings()
    assert (s.select, s.ignore, s.dialect, s.transaction) == (
        defaults.select,
        defaults.ignore,
        defaults.dialect,
        defaults.transaction,
    )


def test_ddlguard_toml_top_level_or_tool_table(tmp_path: Path) -> None:
    top = tmp_path / "a" / "ddlguard.toml"
    top.parent.mkdir()
    top.write_text('ignore = ["DG005"]\n')
    nested = tmp_path / "b" / "ddlguard.toml"
    nested.parent.mkdir()
    nested.write_text('[tool.ddlguard]\nignore = ["DG006"]\n')
    assert load_settings(top).ignore == ("DG005",)
    assert load_settings(nested).ignore == ("DG006",)


def test_invalid_or_unreadable_config_gives_defaults_and_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "ddlguard.toml"
    bad.write_text("select = [\n")
    s = load_settings(bad)
    assert s.select == DEFAULT_SELECT
    assert s.problems[0].key == "-" and "invalid TOML" in s.problems[0].message
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    assert "cannot read" in load_settings(folder).problems[0].message
    odd = tmp_path / "odd" / "pyproject.toml"
    odd.parent.mkdir()
    odd.write_text("[tool]\nddlguard = 3\n")
    assert load_settings(odd).problems[0].key == "tool.ddlguard"


def test_nearest_config_file_wins_and_pyproject_needs_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nignore = ["DG005"]\n')
    inner = tmp_path / "svc"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'svc'\n")  # no [tool.ddlguard]
    migration = inner / "m.py"
    migration.write_text("")
    assert find_config_file(migration) == tmp_path / "pyproject.toml"
    (inner / "ddlguard.toml").write_text('ignore = ["DG006"]\n')
    assert find_config_file(migration) == inner / "ddlguard.toml"
    assert settings_for(migration).ignore == ("DG006",)


def test_project_file_wins_over_editor_settings() -> None:
    editor = settings_from_mapping({"ignore": ["DG005"], "dialect": "sqlite"}, "editor settings")
    project = settings_from_mapping({"dialect": "mysql"}, "pyproject.toml")
    merged = project.merged_over(editor)
    assert merged.dialect == "mysql"
    assert merged.ignore == ("DG005",)


@pytest.mark.parametrize(
    ("rel", "pattern", "expected"),
    [
        ("alembic/versions/a.py", "alembic/versions/*.py", True),
        ("alembic/versions/old/a.py", "alembic/versions/*.py", False),
        ("alembic/versions/old/a.py", "alembic/versions/**/*.py", True),
        ("alembic/versions/old/a.py", "alembic/versions/old", True),
        ("alembic/versions/old/a.py", "old", True),
        ("alembic/versions/2019_a.py", "2019_*", True),
        ("alembic/versions/a.py", "./alembic/", True),
        ("alembic/versions/a.py", "versions/*.py", False),
        ("alembic/versions/a.py", "**/versions/?.py", True),
        ("alembic/versions/b.py", "**/versions/[!b].py", False),
    ],
)
def test_path_globs(tmp_path: Path, rel: str, pattern: str, expected: bool) -> None:
    assert path_matches(tmp_path / rel, pattern, tmp_path) is expected


def test_globs_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "svc" / "ddlguard.toml"
    config.parent.mkdir()
    config.write_text('exclude = ["legacy"]\ninclude = ["alembic/**"]\n')
    s = load_settings(config)
    assert s.accepts_path(tmp_path / "svc" / "alembic" / "versions" / "a.py")
    assert not s.accepts_path(tmp_path / "svc" / "alembic" / "legacy" / "a.py")
    assert not s.accepts_path(tmp_path / "svc" / "other" / "a.py")  # not included
    assert not s.accepts_path(tmp_path / "elsewhere" / "a.py")


def test_settings_cache_layers_override_on_top(tmp_path: Path) -> None:
    (tmp_path / "ddlguard.toml").write_text('ignore = ["DG005"]\ndialect = "mysql"\n')
    cache = SettingsCache(override=lambda s: Settings(select=("DG1",), dialect=s.dialect))
    s = cache.for_path(tmp_path / "m.py")
    assert s.select == ("DG1",) and s.dialect == "mysql"


def test_engine_bug_becomes_dg000_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ddlguard.engine as engine
    from ddlguard.project import Project

    def explode(*args: object, **kwargs: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(engine, "analyze_source", explode)  # check_file imports it when called
    path = tmp_path / "m.py"
    path.write_text("revision = 'a'\n")
    checked = check_file(path, Project(root=tmp_path), Settings())
    [finding] = checked.result.findings
    assert finding.code == "DG000"
    assert finding.message == "internal error: KeyError: 'boom'"
    assert checked.result.error == finding.message


@pytest.mark.parametrize(
    "pattern", ["../outside/*.py", "/etc/*.py", "a/../../b", "C:\\\\x\\\\*.py"]
)
def test_globs_reaching_outside_the_config_folder_are_refused(pattern: str) -> None:
    s = settings_from_mapping({"include": ["alembic/**", pattern]}, "pyproject.toml")
    [problem] = s.problems
    assert problem.key == "include"
    assert repr(pattern) in problem.message and "outside" in problem.message
    assert s.include == ()  # the default: the key is dropped whole, as for any bad value
