"""The server's pure helpers: editor settings mapping and the `# noqa` edit."""

from __future__ import annotations

from ddlguard.lsp.initialization_options import layered, parse_editor_options
from ddlguard.lsp.noqa_edit import noqa_edit
from ddlguard.model import Range, Severity


def test_editor_keys_map_onto_design_keys() -> None:
    options = parse_editor_options(
        {
            "select": ["DG0"],
            "ignore": ["DG005"],
            "severity": {"DG006": "error"},
            "scriptsDir": "db/scripts",
            "dialect": "MySQL",
            "openFilesOnly": True,
            "enable": True,
            "trace": {"server": "off"},
            "include": [],
        }
    )
    s = options.settings
    assert s.select == ("DG0",) and s.ignore == ("DG005",)
    assert s.severity_of("DG006") is Severity.ERROR
    assert s.scripts_dir == "db/scripts" and s.dialect == "mysql"
    assert "include" not in s.explicit  # an empty default is "not set"
    assert options.open_files_only and not options.problems


def test_bad_editor_values_become_problems_and_defaults_stay() -> None:
    options = parse_editor_options(
        {"ddlguard": {"dialect": "cobol", "colour": "red", "openFilesOnly": "yes"}}
    )
    problems = sorted(p.key for p in options.problems)
    assert problems == ["colour", "dialect", "openFilesOnly"]
    assert options.settings.dialect is None and not options.open_files_only
    assert all(p.source == "editor settings" for p in options.problems)


def test_configuration_section_layers_over_initialization_options() -> None:
    merged = layered(
        {"settings": {"select": ["DG0"], "dialect": "sqlite"}}, {"dialect": "mysql", "ignore": []}
    )
    assert merged == {"select": ["DG0"], "dialect": "mysql"}


def test_noqa_added_at_the_end_of_the_statement() -> None:
    src = 'op.execute(\n    "UPDATE t SET a = 1"\n)   \n'
    edit = noqa_edit(src, Range.of(1, 0, 3, 1), "DG001")
    assert (
        edit is not None
        and edit.range == Range.of(3, 1, 3, 1)
        and edit.new_text == "  # noqa: DG001"
    )


def test_noqa_extends_first_line_and_respects_bare_noqa() -> None:
    src = 'op.execute(  # noqa: DG005\n    "UPDATE t SET a = 1"\n)\n'
    edit = noqa_edit(src, Range.of(1, 0, 3, 1), "DG001")
    assert edit is not None and edit.new_text == ", DG001"
    assert edit.range.start.line == 1 and src.splitlines()[0][
        : edit.range.start.character
    ].endswith("DG005")
    assert noqa_edit('op.execute("x")  # noqa\n', Range.of(1, 0, 1, 15), "DG001") is None
    assert noqa_edit('op.execute("x")  # noqa: DG001\n', Range.of(1, 0, 1, 15), "DG001") is None


def test_noqa_after_an_ordinary_comment_and_hash_in_string() -> None:
    src = "op.execute(\"UPDATE t SET a = '#'\")  # backfill\n"
    edit = noqa_edit(src, Range.of(1, 0, 1, 34), "DG001")
    assert edit is not None and edit.range.start.character == len(src.rstrip())
