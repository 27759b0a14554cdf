"""`ddlguard rules` and `ddlguard explain`."""

from __future__ import annotations

from pathlib import Path

from ddlguard.rules import RULES

from .helpers import run_cli


def test_rules_table_lists_every_rule_with_severity_and_fix(tmp_path: Path) -> None:
    proc = run_cli("rules", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["code", "name", "severity", "fix", "summary"]
    rows = {line.split()[0]: line.split()[:4] for line in lines[2:]}
    assert set(rows) == set(RULES)
    assert rows["DG001"] == ["DG001", "dml-in-sql", "error", "unsafe"]
    assert rows["DG005"] == ["DG005", "data-read", "warning", "none"]


def test_explain_by_code_or_name_in_any_case(tmp_path: Path) -> None:
    by_code = run_cli("explain", "dg001", cwd=tmp_path)
    by_name = run_cli("explain", "DML-IN-SQL", cwd=tmp_path)
    assert by_code.returncode == by_name.returncode == 0
    assert by_code.stdout == by_name.stdout
    text = by_code.stdout
    assert text.startswith("# DG001 dml-in-sql")
    assert 'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f' in text
    assert "Bad:" in text and "Good" in text


def test_every_data_rule_explains_why_and_the_safe_way(tmp_path: Path) -> None:
    for code in ("DG000", "DG001", "DG002", "DG003", "DG004", "DG005", "DG006"):
        text = run_cli("explain", code, cwd=tmp_path).stdout
        rule = RULES[code]
        assert text.startswith(f"# {code} {rule.name}\n"), code
        for heading in ("## Why it matters", "## The safe way", "## Suppressing", "## Fix"):
            assert heading in text, (code, heading)
        assert f"**Fix:** {rule.applicability.value}" in text, code
        assert text.count("```") >= 4, code  # a bad and a good example


def test_explain_unknown_code_is_exit_2_with_the_list(tmp_path: Path) -> None:
    proc = run_cli("explain", "DG999", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "unknown rule 'DG999'" in proc.stderr
    assert "DG000, DG001" in proc.stderr and "DG401" in proc.stderr
