"""Source is read as Python reads it (PEP 263): what Alembic would run is what is analysed.

The bar: for any bytes, ddlguard's decoded text parses to the same tree as Python's own
reading of those bytes, or ddlguard reports DG000 where Python would refuse the file.
"""

from __future__ import annotations

import ast
import io
import warnings
from pathlib import Path

import pytest
from ddlguard.cli.fixing import run_fixes
from ddlguard.engine import analyze_source
from ddlguard.runner import check_paths
from ddlguard.settings import Settings
from ddlguard.source_encoding import (
    SourceDecodeError,
    decode_python_source,
    editor_text_problem,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from .cli_helpers import json_findings, make_project, run_cli

UTF7_ATTACK = (
    b"# -*- coding: utf-7 -*-\n"
    b'"""add active"""\n'
    b"from alembic import op\n"
    b'revision = "0001"\n'
    b"down_revision = None\n"
    b"\n"
    b"\n"
    b"def upgrade():\n"
    b'    # harmless +AAo-    op.execute("DELETE FROM users")\n'
    b"    pass\n"
    b"\n"
    b"\n"
    b"def downgrade():\n"
    b"    pass\n"
)

LATIN1 = (
    "# -*- coding: latin-1 -*-\n"
    '"""add café"""\n'
    "from alembic import op\n"
    'revision = "0001"\n'
    "down_revision = None\n"
    "\n"
    "\n"
    "def upgrade():\n"
    '    x = "é"; op.execute("UPDATE users SET name = \'José\' WHERE id = 1")\n'
    "    op.execute(\"UPDATE users SET city = 'Zürich' WHERE id = 2\")\n"
    "\n"
    "\n"
    "def downgrade():\n"
    "    pass\n"
)


def _python_reads(data: bytes) -> str | None:
    """`ast.dump` of Python's own parse of the bytes (it honours the cookie), None if refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(data))
    except (SyntaxError, ValueError):
        return None


def _ddlguard_reads(data: bytes) -> str | None:
    try:
        text = decode_python_source(data).text
    except SourceDecodeError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(text))
    except (SyntaxError, ValueError):
        return None


def test_a_utf7_comment_that_python_runs_is_found(tmp_path: Path) -> None:
    versions = make_project(tmp_path)
    (versions / "0001_add.py").write_bytes(UTF7_ATTACK)
    proc = run_cli("check", "--format", "json", cwd=tmp_path, timeout=60)
    found = [f for f in json_findings(proc) if f["code"] == "DG001"]
    assert len(found) == 1, proc.stdout
    # positions count the decoded text: the `+AAo-` is a line break there
    assert (found[0]["line"], found[0]["column"]) == (10, 5)
    assert "DELETE" in found[0]["message"]
    assert _python_reads(UTF7_ATTACK) == _ddlguard_reads(UTF7_ATTACK)


def test_a_utf7_migration_is_not_rewritten(tmp_path: Path) -> None:
    """Written back, `+AAo-` would become a bare line break: refuse rather than corrupt."""
    versions = make_project(tmp_path)
    path = versions / "0001_add.py"
    path.write_bytes(UTF7_ATTACK)
    out = io.StringIO()
    run_fixes(check_paths([tmp_path]), unsafe=True, diff_only=False, out=out)
    assert "not fixed" in out.getvalue() and "utf-7" in out.getvalue(), out.getvalue()
    assert path.read_bytes() == UTF7_ATTACK
    assert not (tmp_path / "scripts" / "sql").exists() or not any(
        (tmp_path / "scripts" / "sql").iterdir()
    )


def test_a_latin1_migration_is_analysed_and_fixed_in_its_own_encoding(tmp_path: Path) -> None:
    versions = make_project(tmp_path)
    path = versions / "0001_add.py"
    data = LATIN1.encode("latin-1")
    path.write_bytes(data)
    proc = run_cli("check", "--format", "json", cwd=tmp_path, timeout=60)
    found = sorted((f["line"], f["column"]) for f in json_findings(proc) if f["code"] == "DG001")
    line = LATIN1.splitlines()[8]
    assert found == [(9, line.index("op.execute") + 1), (10, 5)]  # code points, 1-based

    run_cli("check", "--unsafe-fixes", cwd=tmp_path, timeout=60)
    new = path.read_bytes()
    # the first statement shares its line with another, so only the second one moves
    assert new != data and new.decode("latin-1").count("op.execute") == 1
    kept = [ln for ln in data.splitlines(keepends=True) if b"Z\xfcrich" not in ln]
    assert all(ln in new for ln in kept)  # every untouched line byte for byte, in latin-1
    assert new.decode("latin-1").count("\u00e9") >= 1  # still latin-1, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        new.decode("utf-8")
    (script,) = (tmp_path / "scripts" / "sql").iterdir()
    assert "SET city = 'Zürich'" in script.read_text("utf-8")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"# coding: klingon\nx = 1\n", "unknown encoding: klingon"),
        (b"# coding: rot13\nx = 1\n", "rot13"),
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem"),
        (b"# coding: ascii\nx = '\xe9'\n", "not valid ascii"),
        (b"x = '\xe9'\n", "not valid UTF-8 (byte 5)"),
    ],
)
def test_what_python_refuses_is_dg000_naming_the_encoding(data: bytes, reason: str) -> None:
    result = analyze_source(data, Path("m.py"), Settings(), in_version_dir=True)
    assert [f.code for f in result.findings] == ["DG000"]
    assert reason in result.findings[0].message, result.findings[0].message
    assert _python_reads(data) is None


_CODECS = ["utf-8", "latin-1", "cp1252", "utf-7", "shift_jis", "koi8-r", "cp037", "utf-16"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_CODECS),
    st.text(alphabet=st.sampled_from(list("ab =+-/\\'\"#\n\r\t()é€ソ\u2028AAo")), max_size=60),
    st.booleans(),
)
def test_ddlguard_reads_exactly_what_python_reads(codec: str, body: str, cookie: bool) -> None:
    """Any text in any codec, with or without a cookie: when ddlguard reads a tree, it is
    Python's. ddlguard may refuse more (DG000): Python's compiler skips undecodable bytes
    inside a comment, ddlguard reports them."""
    head = f"# -*- coding: {codec} -*-\n" if cookie else ""
    try:
        data = head.encode("ascii") + body.encode(codec)
    except UnicodeEncodeError:
        return
    ours, python = _ddlguard_reads(data), _python_reads(data)
    assert ours is None or ours == python
    if python is not None and _decodes_strictly(data):  # refusing is only for bad bytes
        assert ours == python


def _decodes_strictly(data: bytes) -> bool:
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError):
        return False
    return True


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (UTF7_ATTACK.decode("ascii"), "utf-7"),  # an editor that does not know utf-7
        ("# coding: klingon\nx = 1\n", "does not know"),
        ("# coding: latin-1\nx = 'é'\n", None),  # non-ASCII carries no structure
        ("x = 'é'\n", None),
        ("# coding: utf-8\nx = 'é'\n", None),
    ],
)
def test_editor_text_python_would_read_otherwise_is_recognised(
    text: str, problem: str | None
) -> None:
    found = editor_text_problem(text)
    assert (found is None) == (problem is None), found
    if problem is not None:
        assert found is not None and problem in found


def test_the_server_finds_what_python_runs_where_the_editor_shows_it() -> None:
    """The editor shows the utf-7 file as plain ASCII: the DELETE Python runs is reported on
    the comment line, its range exactly the call's characters there, with no automatic fix."""
    text = UTF7_ATTACK.decode("ascii")
    result = analyze_source(text, Path("m.py"), Settings(), in_version_dir=True, editor_text=True)
    (finding,) = [f for f in result.findings if f.code == "DG001"]
    start, end = finding.range
    line = text.splitlines()[start.line - 1]
    assert start.line == end.line == 9 and "+AAo-" in line
    assert line[start.character : end.character] == 'op.execute("DELETE FROM users")'
    assert finding.fix is not None and finding.fix.applicability.value == "none"
    assert "utf-7" in (finding.fix.reason or "")
    assert result.info is not None and result.info.revision_line == 4
    # without the flag (text already decoded by ddlguard itself) it is taken as given
    plain = analyze_source(text, Path("m.py"), Settings(), in_version_dir=True)
    assert not [f for f in plain.findings if f.code == "DG001"]


def test_the_server_reports_editor_text_python_cannot_read() -> None:
    result = analyze_source(
        "# coding: klingon\nx = 1\n", Path("m.py"), Settings(), editor_text=True
    )
    assert [f.code for f in result.findings] == ["DG000"]
    assert "klingon" in result.findings[0].message or "know" in result.findings[0].message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab =+-/'#\n()AAoé")), max_size=40))
def test_mapped_ranges_stay_inside_the_editor_text(body: str) -> None:
    """Whatever the utf-7 text, every mapped range is a valid, ordered span of the editor's
    text, and ordinary ASCII runs map one to one."""
    from ddlguard.editor_reading import python_reading
    from ddlguard.model import Range

    text = "# coding: utf-7\n" + body
    try:
        reading = python_reading(text)
    except SourceDecodeError:
        return
    if reading is None:
        return
    assert len(reading.shown) == len(reading.text) + 1
    assert list(reading.shown) == sorted(reading.shown)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    from ddlguard.editor_reading import _line_starts

    starts, editor_starts = _line_starts(reading.text), _line_starts(text)
    for offset in range(len(reading.text)):
        line = reading.text.count("\n", 0, offset) + 1
        col = offset - (reading.text.rfind("\n", 0, offset) + 1)
        rng = reading.map_range(Range.of(line, col, line, col + 1), starts, editor_starts)
        assert rng.start <= rng.end
        assert len(lines) >= rng.end.line >= 1
        assert rng.end.character <= len(lines[rng.end.line - 1]) + 1


def test_mapping_a_huge_hostile_document_is_bounded() -> None:
    """5 MB of shifted utf-7 lines: DG000 (the CLI reads the file) in a bounded time,
    not seconds per keystroke."""
    import time

    text = "# coding: utf-7\n" + "x = 1  # +AAo-\n" * 350_000
    started = time.monotonic()
    result = analyze_source(text, Path("m.py"), Settings(), editor_text=True)
    assert time.monotonic() - started < 5.0  # unbounded, it took ~15 s
    assert [f.code for f in result.findings] == ["DG000"]
    assert "too large" in result.findings[0].message
