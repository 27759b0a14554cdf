"""`check --unsafe-fixes` on generated projects, on disk: nothing lost, nothing overwritten,
every migration still parses, and a second run changes nothing."""

from __future__ import annotations

import datetime
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .cli_helpers import make_project, run_cli
from .properties import parse_quietly
from .strategies import DML, TABLES, Doc, migrations

SLUGS = ("add-users", "backfill", "seed-data")


def tree(root: Path) -> dict[str, str]:
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def dml_texts() -> set[str]:
    return {template.format(t=t) for template in DML for t in TABLES}


@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(migrations(), min_size=6, max_size=6))
def test_unsafe_fixes_lose_nothing_and_are_idempotent(
    tmp_path_factory: pytest.TempPathFactory, docs: list[Doc]
) -> None:
    root = tmp_path_factory.mktemp("fix")
    versions = make_project(root)
    scripts = root / "scripts" / "sql"
    scripts.mkdir(parents=True)
    kept = {}
    for day in {datetime.date.today(), datetime.datetime.now(datetime.UTC).date()}:
        for slug in SLUGS:  # the names the fix would pick first are taken
            path = scripts / f"{day.isoformat()}-{slug}.sql"
            path.write_text(f"-- KEEP {slug}\n", "utf-8")
            kept[path] = path.read_bytes()
    for i, doc in enumerate(docs):
        (versions / f"m{i}.py").write_bytes(doc.text.encode("utf-8"))

    first = run_cli("check", "--unsafe-fixes", "--exit-zero", cwd=root, timeout=120)
    assert first.returncode == 0, first.stderr
    for path, data in kept.items():
        assert path.read_bytes() == data, f"{path.name} was overwritten"
    script_text = "\n".join(p.read_text("utf-8") for p in scripts.glob("*.sql"))
    for i, doc in enumerate(docs):
        after = (versions / f"m{i}.py").read_bytes().decode("utf-8")
        parse_quietly(after.removeprefix("\ufeff"))
        assert after.startswith("\ufeff") == doc.text.startswith("\ufeff")
        for sql in dml_texts():  # data SQL left the migration only into a script
            if sql in doc.text and sql not in after:
                assert sql in script_text, f"{sql!r} vanished from m{i}.py"

    snapshot = tree(root)
    second = run_cli("check", "--unsafe-fixes", "--exit-zero", cwd=root, timeout=120)
    assert second.returncode == 0, second.stderr
    assert tree(root) == snapshot, "a second --unsafe-fixes run changed files"
