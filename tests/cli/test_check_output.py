"""The text and json reports, --select/--ignore over the config, and config problems on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import BROKEN, make_project, migration, run_cli, run_json

JSON_KEYS = {
    "code", "name", "severity", "message", "path", "line", "column",
    "end_line", "end_column", "fix",
}  # fmt: skip


def _two_problems(root: Path) -> None:
    """b2 does not parse (DG000); z9 names a parent nobody defines (DG102)."""
    make_project(
        root,
        {
            "a1": migration("a1", None),
            "b2": migration("b2", "a1", BROKEN),
        },
    )
    other = root / "other"
    make_project(other, {"z9": migration("z9", "missing0")})


def test_json_is_the_design_object_list_sorted_by_path(tmp_path: Path) -> None:
    _two_problems(tmp_path)
    code, items, _ = run_json(cwd=tmp_path)
    assert code == 1
    assert [set(item) for item in items] == [JSON_KEYS, JSON_KEYS]
    assert [item["path"] for item in items] == [
        "alembic/versions/b2.py",
        "other/alembic/versions/z9.py",
    ]
    broken, orphan = items
    assert broken["code"] == "DG000"
    assert broken["name"] == "parse-error"
    assert broken["severity"] == "error"
    assert broken["line"] == 7 and broken["column"] == 18
    assert broken["message"].startswith("syntax error")
    assert broken["fix"] == {"applicability": "none", "description": "fix the syntax error first"}
    assert orphan["code"] == "DG102"
    assert orphan["line"] == 10  # the down_revision assignment
    assert orphan["column"] >= 1 and orphan["end_line"] >= orphan["line"]


def test_json_with_no_findings_is_an_empty_list(tmp_path: Path) -> None:
    make_project(tmp_path)
    code, items, _ = run_json(cwd=tmp_path)
    assert (code, items) == (0, [])


def test_text_lines_are_path_line_col_code_message(tmp_path: Path) -> None:
    _two_problems(tmp_path)
    proc = run_cli("check", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines[0] == "alembic/versions/b2.py:7:18: DG000 syntax error: '(' was never closed"
    assert lines[1].startswith("other/alembic/versions/z9.py:10:")
    assert " DG102 " in lines[1] and "missing0" in lines[1]
    assert lines[2] == "Found 2 errors in 2 files."


def test_select_and_ignore_on_the_command_line(tmp_path: Path) -> None:
    _two_problems(tmp_path)
    codes = lambda *args: [i["code"] for i in run_json(*args, cwd=tmp_path)[1]]  # noqa: E731
    assert codes("--select", "DG1") == ["DG102"]
    assert codes("--ignore", "DG102") == ["DG000"]
    assert codes("--select", "DG000,DG102", "--ignore", "DG0") == ["DG102"]
    assert codes("--select", "parse-error") == ["DG000"]  # rule names work too
    proc = run_cli("check", "--ignore", "DG000,DG1", cwd=tmp_path)
    assert proc.returncode == 0


def test_cli_select_replaces_config_selection(tmp_path: Path) -> None:
    _two_problems(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nignore = ["DG000"]\n')
    (tmp_path / "other" / "pyproject.toml").write_text('[tool.ddlguard]\nignore = ["DG000"]\n')
    assert [i["code"] for i in run_json(cwd=tmp_path)[1]] == ["DG102"]
    # --ignore adds to the configured ignore
    assert [i["code"] for i in run_json("--ignore", "DG102", cwd=tmp_path)[1]] == []
    # --select replaces the configured selection, ignore included (ruff's rule)
    selected = run_json("--select", "DG000", cwd=tmp_path)[1]
    assert [i["code"] for i in selected] == ["DG000"]


def test_config_problems_name_file_and_key_and_defaults_apply(tmp_path: Path) -> None:
    make_project(tmp_path, {"b2": migration("b2", "a1", BROKEN)})
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ddlguard]\nselct = ["DG1"]\nignore = 42\ndialect = "klingon"\n'
    )
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1  # not 2: the defaults are used and DG000 still reported
    assert " DG000 " in proc.stdout
    err = proc.stderr.splitlines()
    assert any(
        line.startswith("warning: pyproject.toml: selct: unknown key (did you mean 'select'?)")
        for line in err
    ), err
    assert any(line.startswith("warning: pyproject.toml: ignore: ") for line in err), err
    assert any(
        line.startswith("warning: pyproject.toml: dialect: expected one of") for line in err
    ), err
    assert "Traceback" not in proc.stderr


def test_invalid_toml_is_reported_and_defaults_used(tmp_path: Path) -> None:
    make_project(tmp_path, {"b2": migration("b2", "a1", BROKEN)})
    (tmp_path / "ddlguard.toml").write_text("select = [\n")
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("warning: ddlguard.toml: -: invalid TOML")


def test_explicit_config_file_applies_to_every_path(tmp_path: Path) -> None:
    _two_problems(tmp_path)
    config = tmp_path / "ci" / "ddlguard.toml"
    config.parent.mkdir()
    config.write_text('ignore = ["DG102"]\nseverity = { DG000 = "warning" }\n')
    proc = run_cli("check", "--config", "ci/ddlguard.toml", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "alembic/versions/b2.py:7:18: DG000 syntax error: '(' was never closed",
        "Found 0 errors, 1 warning in 1 file.",
    ]


def test_non_ascii_paths_and_columns_in_characters(tmp_path: Path) -> None:
    project = tmp_path / "mon service" / "données"
    text = 'revision = "é1"\ndown_revision = None\nx = "ééé" +\n\n\ndef upgrade():\n    pass\n'
    make_project(project, {"é1": text})
    code, items, _ = run_json(cwd=tmp_path)
    assert code == 1
    [item] = items
    assert item["path"] == "mon service/données/alembic/versions/é1.py"
    assert (item["line"], item["column"]) == (3, 12)  # the end of `x = "ééé" +`, in characters
    proc = run_cli("check", cwd=tmp_path, env_extra={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("mon service/donn\\xe9es/alembic/versions/\\xe91.py:3:12: DG000")


def test_json_stays_valid_on_an_ascii_console(tmp_path: Path) -> None:
    make_project(tmp_path / "données", {"b2": migration("b2", "a1", BROKEN)})
    proc = run_cli(
        "check", "--format", "json", cwd=tmp_path, env_extra={"PYTHONIOENCODING": "ascii"}
    )
    assert proc.stdout.isascii()
    assert json.loads(proc.stdout)[0]["path"] == "données/alembic/versions/b2.py"
