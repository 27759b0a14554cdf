"""The CLI's columns on generated migrations: 1-based, counted in characters (code points),
so `line[column - 1:]` starts with the reported call whatever precedes it on the line."""

from __future__ import annotations

import ast

import pytest
from ddlguard.positions import split_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from .cli_helpers import json_findings, make_project, run_cli
from .properties import CALL_CODES, parse_expression
from .strategies import Doc, migrations


@settings(max_examples=4)
@given(st.lists(migrations(), min_size=8, max_size=8))
def test_json_columns_point_at_the_call(
    tmp_path_factory: pytest.TempPathFactory, docs: list[Doc]
) -> None:
    root = tmp_path_factory.mktemp("cli")
    versions = make_project(root)
    texts: dict[str, str] = {}
    for i, doc in enumerate(docs):
        name = f"alembic/versions/m{i}.py"
        data = doc.text.encode("utf-8")
        (versions / f"m{i}.py").write_bytes(data)
        texts[name] = doc.analysed_text
    findings = json_findings(run_cli("check", "--format", "json", "--select", "DG0", cwd=root))
    checked = 0
    for f in findings:
        if f["code"] not in CALL_CODES:
            continue
        lines = split_lines(texts[f["path"]])
        start, end = f["line"] - 1, f["end_line"] - 1
        assert f["column"] >= 1 and f["column"] <= len(lines[start]) + 1
        if start == end:
            text = lines[start][f["column"] - 1 : f["end_column"] - 1]
        else:
            middle = lines[start + 1 : end]
            text = "\n".join(
                [lines[start][f["column"] - 1 :], *middle, lines[end][: f["end_column"] - 1]]
            )
        node = parse_expression(text)
        assert isinstance(node, ast.Call), (f, text)
        checked += 1
    expected = sum(1 for d in docs for _, code in d.expected if code.startswith("DG"))
    assert checked >= expected
