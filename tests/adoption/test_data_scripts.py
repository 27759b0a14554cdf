"""DG401: DDL inside scripts/sql, through the CLI and through the pure function the server calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from ddlguard.data_scripts import analyze_sql_script
from ddlguard.settings import Settings

from .helpers import check_json, codes, make_project, migration, run

SCRIPT = """-- backfill emails
BEGIN;
UPDATE users SET email = lower(email);
CREATE TEMP TABLE staging AS SELECT id FROM users;
ALTER TABLE users ADD COLUMN email_normalized text;
SET LOCAL statement_timeout = '5min';
COMMIT;
"""


def _scripts(root: Path) -> Path:
    folder = root / "backend" / "scripts" / "sql"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_ddl_in_a_script_is_reported_with_its_range(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None)})
    (_scripts(tmp_path) / "2024-05-02-backfill.sql").write_text(SCRIPT, encoding="utf-8")
    rc, found = check_json(tmp_path)
    (finding,) = [f for f in found if f["code"] == "DG401"]
    assert finding["path"] == "backend/scripts/sql/2024-05-02-backfill.sql"
    assert (finding["line"], finding["column"]) == (5, 1)
    assert (finding["end_line"], finding["end_column"]) == (5, 51)
    assert "ALTER TABLE" in finding["message"]
    assert rc == 1


def test_a_clean_script_and_a_configured_scripts_dir(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None)})
    (_scripts(tmp_path) / "ok.sql").write_text("BEGIN;\nDELETE FROM t;\nCOMMIT;\n", "utf-8")
    other = tmp_path / "backend" / "data"
    other.mkdir()
    (other / "x.sql").write_text("DROP TABLE users;\n", encoding="utf-8")
    assert codes(check_json(tmp_path)[1], "DG4") == []
    (tmp_path / "backend" / "ddlguard.toml").write_text('scripts-dir = "data"\n', "utf-8")
    assert codes(check_json(tmp_path)[1], "DG4") == [("DG401", "x.sql", 1)]


def test_sql_noqa_comments(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None)})
    folder = _scripts(tmp_path)
    (folder / "a.sql").write_text("CREATE INDEX i ON t (c); -- noqa: DG401\n", "utf-8")
    (folder / "b.sql").write_text("-- ddlguard: noqa\nDROP TABLE t;\n", "utf-8")
    (folder / "c.sql").write_text("CREATE INDEX i ON t (c); -- noqa: DG001\n", "utf-8")
    assert codes(check_json(tmp_path)[1], "DG4") == [("DG401", "c.sql", 1)]


def test_a_script_named_explicitly_is_checked_and_a_single_migration_skips_scripts(
    tmp_path: Path,
) -> None:
    versions = make_project(tmp_path, {"a": migration("a1", None)})
    script = _scripts(tmp_path) / "x.sql"
    script.write_text("DROP TABLE users;\n", encoding="utf-8")
    assert codes(check_json(tmp_path, str(script))[1]) == [("DG401", "x.sql", 1)]
    assert codes(check_json(tmp_path, str(versions / "a.py"))[1], "DG4") == []


def test_analyze_sql_script_counts_columns_in_characters_across_crlf() -> None:
    text = "\ufeffBEGIN;\r\nUPDATE t SET name = 'é😀';  DROP TABLE t;\r\nCOMMIT;\r\n"
    result = analyze_sql_script(text, Path("x.sql"), Settings(), "postgresql")
    (finding,) = result.findings
    line = text.lstrip("\ufeff").split("\r\n")[1]
    start = line.index("DROP")
    assert (finding.range.start.line, finding.range.start.character) == (2, start)
    assert (finding.range.end.line, finding.range.end.character) == (2, start + len("DROP TABLE t"))
    assert finding.data["kind"] == "script" and not result.is_migration


def test_analyze_sql_script_respects_selection_and_severity() -> None:
    text = "DROP TABLE t;\n"
    off = Settings(ignore=("DG401",))
    assert analyze_sql_script(text, Path("x.sql"), off, "postgresql").findings == []
    from ddlguard.model import Severity

    warn = Settings(severity={"DG401": Severity.WARNING})
    (finding,) = analyze_sql_script(text, Path("x.sql"), warn, "postgresql").findings
    assert finding.severity is Severity.WARNING


def test_text_format_names_the_script(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None)})
    (_scripts(tmp_path) / "x.sql").write_text("\n\n  CREATE TABLE t (id int);\n", "utf-8")
    done = run(["check"], tmp_path)
    assert "backend/scripts/sql/x.sql:3:3: DG401 CREATE TABLE" in done.stdout
    assert done.returncode == 1


STAGING = """BEGIN;
CREATE TEMPORARY TABLE m AS SELECT id FROM users;
CREATE INDEX m_id ON m (id);
ALTER TABLE m ADD COLUMN b int;
UPDATE users SET a = 1 FROM m WHERE users.id = m.id;
DROP TABLE public.m;
CREATE INDEX x ON users (a);
DROP TABLE m, users;
DROP TABLE m;
DROP TABLE m;
COMMIT;
"""


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mysql"])
def test_ddl_on_a_temporary_table_the_script_created_is_not_reported(dialect: str) -> None:
    # lines 3, 4 and 9 act on the script's own temporary table; line 6 names a real schema,
    # 7 and 8 touch a real table, and after the DROP on line 9 `m` is a real table's name again
    result = analyze_sql_script(STAGING, Path("x.sql"), Settings(), dialect)
    assert [f.range.start.line for f in result.findings] == [6, 7, 8, 10]


def test_ddl_before_the_temporary_table_exists_is_reported() -> None:
    text = "CREATE INDEX m_id ON m (id);\nCREATE TEMP TABLE m (id int);\nDROP TABLE m;\n"
    result = analyze_sql_script(text, Path("x.sql"), Settings(), "postgresql")
    assert [f.range.start.line for f in result.findings] == [1]


def test_the_script_a_fix_writes_for_a_staging_table_passes_dg401(tmp_path: Path) -> None:
    body = (
        'op.execute("CREATE TEMPORARY TABLE m AS SELECT id FROM users; '
        "CREATE INDEX ON m (id); UPDATE orders SET v = 1 FROM m WHERE orders.id = m.id; "
        'DROP TABLE m")'
    )
    make_project(tmp_path, {"a": migration("a1", None, body=body)})
    fixed = run(["check", "--unsafe-fixes"], tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    (script,) = _scripts(tmp_path).glob("*.sql")
    text = script.read_text("utf-8")
    assert "CREATE INDEX ON m (id)" in text and "DROP TABLE m" in text
    assert codes(check_json(tmp_path)[1], "DG4") == []
