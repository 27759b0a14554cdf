"""--format github and --format sarif, from the real CLI; SARIF is validated against its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from ddlguard.cli.formats.github import escape_data, escape_property
from ddlguard.rules import RULES

from .helpers import SARIF_SCHEMA, make_project, migration, run

DML = 'op.execute("UPDATE users SET active = true")'


def _project(root: Path) -> None:
    make_project(
        root,
        {
            "a": migration("a1", None),
            # non-ASCII before the call: SARIF columns are UTF-16 code units
            "b": migration("b2", "a1", body=f'x = "😀é"; {DML}'),
            "c": migration("c3", "b2", body="pass"),
        },
    )


def test_github_annotations(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ddlguard]\nbogus = 1\n", encoding="utf-8")
    done = run(["check", "--format", "github"], tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    dg001 = next(line for line in lines if "title=DG001" in line)
    assert dg001.startswith("::error file=backend/alembic/versions/b.py,line=")
    assert ",title=DG001 dml-in-sql::" in dg001
    assert "UPDATE on users" in dg001.split("::", 2)[2]
    col = int(dg001.split(",col=")[1].split(",")[0])
    assert col == len('    x = "😀é"; ') + 1
    dg202 = next(line for line in lines if "title=DG202" in line)
    assert dg202.startswith("::warning file=backend/alembic/versions/c.py,")
    assert all(line.startswith("::") for line in lines)
    config = next(line for line in lines if "bogus" in line)
    assert config.startswith("::warning file=pyproject.toml,title=ddlguard configuration::bogus")


def test_github_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def _sarif(root: Path) -> dict[str, Any]:
    done = run(["check", "--format", "sarif"], root)
    assert done.returncode == 1, done.stderr
    log: dict[str, Any] = json.loads(done.stdout)
    return log


def test_sarif_is_valid_against_the_2_1_0_schema(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ddlguard]\nbogus = 1\n", encoding="utf-8")
    log = _sarif(tmp_path)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0"
    notes = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert any("bogus" in n["message"]["text"] for n in notes)


def test_sarif_rule_catalogue_and_results(tmp_path: Path) -> None:
    _project(tmp_path)
    run_ = _sarif(tmp_path)["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    dg001 = rules[list(RULES).index("DG001")]
    assert dg001["name"] == "dml-in-sql"
    assert dg001["defaultConfiguration"]["level"] == "error"
    assert dg001["helpUri"].endswith("DG001.md")
    assert dg001["shortDescription"]["text"] == RULES["DG001"].summary
    # the long description is prose from the explanation, not its severity line or heading
    full = dg001["fullDescription"]["text"]
    assert full and not full.startswith(("#", "**")) and "\n" not in full
    assert "# DG001" in dg001["help"]["markdown"]
    assert rules[list(RULES).index("DG202")]["defaultConfiguration"]["level"] == "warning"

    results = {r["ruleId"]: r for r in run_["results"]}
    result = results["DG001"]
    assert rules[result["ruleIndex"]]["id"] == "DG001"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "backend/alembic/versions/b.py",
        "uriBaseId": "%SRCROOT%",
    }
    region = location["region"]
    prefix = '    x = "😀é"; '
    assert region["startColumn"] == len(prefix.encode("utf-16-le")) // 2 + 1
    assert region["endColumn"] == region["startColumn"] + len(DML)
    assert results["DG202"]["level"] == "warning"
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file://") and base.endswith("/")


def test_sarif_for_a_clean_run_and_for_files_outside_the_current_folder(tmp_path: Path) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    make_project(tmp_path / "repo", {"a": migration("a1", None)})
    clean = run(["check", "--format", "sarif"], tmp_path / "repo")
    assert clean.returncode == 0, clean.stderr
    log = json.loads(clean.stdout)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["runs"][0]["results"] == []

    broken = migration("b2", "a1").replace("def upgrade() -> None:", "def upgrade( -> None:")
    make_project(tmp_path / "repo", {"b": broken})
    (tmp_path / "here").mkdir()
    done = run(["check", "--format", "sarif", str(tmp_path / "repo")], tmp_path / "here")
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(schema).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "DG000"
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"].startswith("file:///") and artifact["uri"].endswith("/b.py")
    assert "uriBaseId" not in artifact
