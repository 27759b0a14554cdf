"""DG201 (checklist left in) and DG202 (empty upgrade): the rules, the safe fix, and the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from ddlguard.hygiene import check_hygiene, checklist_span, remove_checklist
from ddlguard.scaffold import checklist_block, template_text

from .helpers import check_json, codes, make_project, migration

CHECKLIST = checklist_block()


def _with_checklist(text: str) -> str:
    head, rest = text.split("\n", 1)  # after the one-line docstring
    return f"{head}\n\n{CHECKLIST}\n{rest}"


def _codes(source: str) -> list[str]:
    return [f.code for f in check_hygiene(ast.parse(source), source)]


def test_the_template_has_a_detectable_checklist() -> None:
    text = template_text("script.py.mako")
    assert checklist_span(text) is not None
    assert CHECKLIST.startswith("# ddlguard-checklist")
    assert CHECKLIST.rstrip().endswith("# end-ddlguard-checklist")
    assert "scripts/sql" in CHECKLIST and "Schema only" in CHECKLIST


def test_checklist_left_in_is_dg201_on_the_marker_line() -> None:
    source = _with_checklist(migration("a1", None))
    (finding,) = check_hygiene(ast.parse(source), source)
    assert finding.code == "DG201"
    marker = source.splitlines().index(CHECKLIST.splitlines()[0]) + 1
    assert finding.range.start.line == marker
    assert finding.fix is not None and finding.fix.applicability.value == "safe"
    edit = finding.data["edit"]
    assert edit["new_text"] == "" and edit["start_line"] == marker


def test_remove_checklist_deletes_only_the_block_and_is_idempotent() -> None:
    original = migration("a1", None)
    source = _with_checklist(original)
    cleaned = remove_checklist(source)
    assert "ddlguard-checklist" not in cleaned
    head, rest = original.split("\n", 1)
    # the block and one of the two blank lines around it go; everything else stays
    assert cleaned == f"{head}\n\n{rest}"
    assert _codes(cleaned) == []
    assert remove_checklist(cleaned) == cleaned
    ast.parse(cleaned)


def test_remove_checklist_keeps_crlf_and_the_edit_matches_the_function() -> None:
    source = _with_checklist(migration("a1", None)).replace("\n", "\r\n")
    cleaned = remove_checklist(source)
    assert "ddlguard-checklist" not in cleaned
    assert "\n" not in cleaned.replace("\r\n", "")
    # applying data.edit by hand gives the same text
    (finding,) = check_hygiene(ast.parse(source), source)
    edit = finding.data["edit"]
    lines = source.splitlines(keepends=True)
    assert edit["start_character"] == 0 and edit["end_character"] == 0
    by_hand = "".join(lines[: edit["start_line"] - 1] + lines[edit["end_line"] - 1 :])
    assert by_hand == cleaned


def test_checklist_at_the_end_of_a_file_without_newline() -> None:
    source = migration("a1", None) + "\n" + CHECKLIST.rstrip("\n")
    cleaned = remove_checklist(source)
    assert "ddlguard-checklist" not in cleaned
    ast.parse(cleaned)


def test_checklist_text_inside_a_string_is_not_flagged() -> None:
    source = migration("a1", None) + f'\nNOTE = """\n{CHECKLIST}"""\n'
    assert _codes(source) == []
    assert remove_checklist(source) == source


def test_a_partly_edited_checklist_is_still_found() -> None:
    lines = CHECKLIST.splitlines()
    partial = "\n".join([lines[0], lines[1]]) + "\n"  # end marker deleted by hand
    source = _with_checklist(migration("a1", None)).replace(CHECKLIST, partial)
    assert _codes(source) == ["DG201"]
    cleaned = remove_checklist(source)
    assert lines[1] not in cleaned and "import sqlalchemy" in cleaned


@pytest.mark.parametrize("body", ["pass", "...", '""""""\npass', "pass\n'late string'"])
def test_empty_upgrade_without_comment_is_dg202(body: str) -> None:
    source = migration("b2", "a1", body=body)
    findings = check_hygiene(ast.parse(source), source)
    assert [f.code for f in findings] == ["DG202"]
    line = source.splitlines().index("def upgrade() -> None:") + 1
    assert findings[0].range.start.line == line
    assert findings[0].range.start.character == 0
    assert findings[0].range.end.character == len("def upgrade")


@pytest.mark.parametrize(
    "body",
    [
        "# data only: the backfill is scripts/sql/2024-05-02-x.sql\npass",
        "pass  # kept so the branches merge in order",
        'op.add_column("users", sa.Column("x", sa.Integer()))',
    ],
)
def test_upgrade_that_works_or_says_why_is_fine(body: str) -> None:
    assert _codes(migration("b2", "a1", body=body)) == []


@pytest.mark.parametrize(
    "body", ['"""Nothing to do: the data moved to scripts/sql."""', '"""Marker."""\npass']
)
def test_a_docstring_that_says_why_is_a_reason(body: str) -> None:
    assert _codes(migration("b2", "a1", body=body)) == []


def test_a_pragma_is_not_a_reason() -> None:
    assert _codes(migration("b2", "a1", body="pass  # type: ignore")) == ["DG202"]


@pytest.mark.parametrize(
    ("down", "labels", "depends_on"),
    [
        (None, None, None),  # a base: a baseline of a schema made before Alembic
        ("a1", "expand", None),  # starts a labelled branch
        ("a1", None, "x9"),  # a release marker that orders itself after another branch
    ],
)
def test_revisions_empty_by_design_are_fine(
    down: str | None, labels: str | None, depends_on: str | None
) -> None:
    source = migration("b2", down, body="pass", labels=labels, depends_on=depends_on)
    assert _codes(source) == []


@pytest.mark.parametrize(
    "labels", ["(cli.EXPAND_BRANCH,)", "migration.CONTRACT_BRANCH", "('ocata01', m.CONTRACT)"]
)
def test_labels_that_are_not_literals_still_label_the_branch(labels: str) -> None:
    source = migration("b2", "a1", body="pass").replace(
        "branch_labels = None", f"branch_labels = {labels}"
    )
    assert _codes(source) == []


def test_cli_reports_hygiene_as_warnings_and_exits_zero(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {"a": _with_checklist(migration("a1", None)), "b": migration("b2", "a1", body="pass")},
    )
    rc, found = check_json(tmp_path)
    assert codes(found, "DG2") == [
        ("DG201", "a.py", 3),
        (
            "DG202",
            "b.py",
            migration("b2", "a1", body="pass").splitlines().index("def upgrade() -> None:") + 1,
        ),
    ]
    assert {f["severity"] for f in found} == {"warning"}
    assert {f["fix"]["applicability"] for f in found if f["code"] == "DG201"} == {"safe"}
    assert rc == 0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_comments_are_found_with_every_line_ending(newline: str) -> None:
    """ast splits lines on CR alone too; the comment scan must agree or DG202 misfires."""
    explained = migration("b2", "a1", body="# data only: see scripts/sql\npass")
    assert _codes(explained.replace("\n", newline)) == []
    source = _with_checklist(migration("a1", None)).replace("\n", newline)
    assert _codes(source) == ["DG201"]
    cleaned = remove_checklist(source)
    assert "ddlguard-checklist" not in cleaned and _codes(cleaned) == []


def test_an_empty_merge_revision_is_fine() -> None:
    assert _codes(migration("m1", ("a1", "b2"), body="pass")) == []
    assert _codes(migration("m1", ("a1",), body="pass")) == ["DG202"]
