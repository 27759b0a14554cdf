"""What a one-file `ddlguard check` loads: only what that file needs (issue 14's start-up).

Each probe is a new interpreter running the real command, then listing the modules it
loaded; the run's report must be the usual one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAD = '"""m"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "{rev}"\n'
SCHEMA_ONLY = HEAD + 'down_revision = None\n\n\ndef upgrade():\n    op.drop_table("t")\n'
DATA = HEAD + 'down_revision = None\n\n\ndef upgrade():\n    op.execute("UPDATE t SET a = 1")\n'

PROBE = """
import json, os, sys
sys.argv = ["ddlguard", "check", "--format", "json", "--exit-zero", *sys.argv[1:]]
from ddlguard.cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
os.write(2, json.dumps(sorted(sys.modules)).encode())
"""

DETECTOR = ("ddlguard.analysis.detector", "ddlguard.analysis.evaluate", "ddlguard.sql")


def check_one(tmp_path: Path, source: str) -> tuple[list[dict[str, object]], set[str]]:
    versions = tmp_path / "alembic" / "versions"
    versions.mkdir(parents=True)
    target = versions / "a1_m.py"
    target.write_text(source.format(rev="a1"), encoding="utf-8")
    return probe(tmp_path, target)


def probe(tmp_path: Path, target: Path) -> tuple[list[dict[str, object]], set[str]]:
    """`ddlguard check TARGET` in a new interpreter: its report and the modules it loaded."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), set(json.loads(proc.stderr))


def test_a_schema_only_migration_never_loads_the_detector(tmp_path: Path) -> None:
    report, modules = check_one(tmp_path, SCHEMA_ONLY)
    assert report == []
    assert "ddlguard.analysis.gate" in modules  # it was analysed
    assert [m for m in DETECTOR if m in modules] == []


def test_a_migration_that_executes_sql_loads_it_and_is_reported(tmp_path: Path) -> None:
    report, modules = check_one(tmp_path, DATA)
    assert [f["code"] for f in report] == ["DG001"]
    assert [m for m in DETECTOR if m in modules] == list(DETECTOR)


# dataclasses: ~40 M instructions to import and ~3 M per class created; shutil (argparse's
# stock formatter asks it the terminal's width): 5.5 M (docs/performance.md, fourth round)
HEAVY = ("dataclasses", "inspect", "shutil")


@pytest.mark.parametrize("source", [SCHEMA_ONLY, DATA], ids=["schema-only", "executes-sql"])
def test_a_check_never_loads_dataclasses_or_shutil(tmp_path: Path, source: str) -> None:
    _, modules = check_one(tmp_path, source)
    assert "ddlguard.records" in modules  # the probe saw the check path
    assert [m for m in HEAVY if m in modules] == []


def _help(columns: int) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "--no-cache" in proc.stdout
    return proc.stdout.splitlines()


def test_help_is_still_laid_out_for_the_terminal() -> None:
    """The parser is built without asking the terminal's width; `--help` still asks it."""
    narrow, wide = _help(50), _help(150)
    assert len(narrow) > len(wide)
    assert 80 < max(len(line) for line in wide) <= 150


def test_a_warm_run_never_loads_ast_or_the_engine(tmp_path: Path) -> None:
    """Every file served by the cache: nothing is parsed, so `ast`, `tokenize`, the engine
    and `# noqa` handling are never imported (~21 M instructions), and the report is the
    one the run that parsed them gave."""
    first, cold = check_one(tmp_path, DATA + "\nX = 1  # noqa: DG002\n")
    assert "ast" in cold and "ddlguard.engine" in cold  # the first run parsed the file
    again, modules = probe(tmp_path, tmp_path / "alembic" / "versions" / "a1_m.py")
    assert again == first
    assert [f["code"] for f in first] == ["DG001"]
    assert "ddlguard.cache" in modules  # the probe saw the check path
    loaded = ("ast", "tokenize", "ddlguard.engine", "ddlguard.analysis.noqa")
    assert [m for m in loaded if m in modules] == []


def test_a_file_without_noqa_never_loads_tokenize(tmp_path: Path) -> None:
    _, modules = check_one(tmp_path, DATA)
    assert "ddlguard.analysis.noqa" in modules and "tokenize" not in modules
