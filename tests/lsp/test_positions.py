"""Ranges cross into LSP in UTF-16 code units: emoji, CRLF, tabs and a BOM."""

from __future__ import annotations

from ddlguard.lsp.text import DocText
from ddlguard.model import Position, Range
from lsprotocol import types

from .conftest import Project, migration
from .harness import Session


def test_emoji_counts_two_utf16_units() -> None:
    text = DocText.of('x = "😀"; op.execute("UPDATE t SET a = 1")\n')
    col = text.lines[0].index("op.")
    lsp = text.to_lsp_position(Position(1, col))
    assert lsp == types.Position(0, col + 1)
    assert text.from_lsp_position(lsp) == Position(1, col)


def test_bom_shifts_only_the_first_line() -> None:
    text = DocText.of("\ufeffa = 1\nb = 2\n")
    assert text.source.startswith("a = 1")
    assert text.to_lsp_position(Position(1, 0)) == types.Position(0, 1)
    assert text.to_lsp_position(Position(2, 0)) == types.Position(1, 0)
    assert text.from_lsp_position(types.Position(0, 1)) == Position(1, 0)


def test_crlf_and_tabs_and_utf8_encoding() -> None:
    text = DocText.of("a = 1\r\n\tb = 'é😀'\r\n", encoding="utf-8")
    assert text.lines[1] == "\tb = 'é😀'"
    assert text.to_lsp_range(Range.of(2, 1, 2, 9)) == types.Range(
        types.Position(1, 1), types.Position(1, 1 + len("b = 'é😀'".encode()))
    )


def test_stale_range_past_the_end_is_clamped() -> None:
    text = DocText.of("a\nb")
    assert text.to_lsp_position(Position(9, 4)) == types.Position(1, 1)


async def test_utf16_range_with_emoji_crlf_tab_and_bom(session: Session, project: Project) -> None:
    body = '\tx = "😀🎉"; op.execute("UPDATE users SET active = true")'
    source = "\ufeff" + migration("a1", None, body).replace("    op.drop", "\top.drop").replace(
        "\n", "\r\n"
    )
    path = project.write("a1_init.py", source)
    u = session.open(path, source)
    [d] = [d for d in await session.diagnostics(u, version=1) if d.code == "DG001"]
    lines = source.split("\r\n")
    row = next(i for i, line in enumerate(lines) if "op.execute" in line)
    line = lines[row]
    start = line.index("op.execute")
    end = len(line)
    assert d.range == types.Range(types.Position(row, start + 2), types.Position(row, end + 2))


async def test_emacs_gets_utf32_columns(project: Project) -> None:
    """Emacs 29 prefers UTF-32: columns are code points there."""
    from pytest_lsp import client_capabilities

    from .harness import start_session, stop_session

    body = '    x = "😀"; op.execute("UPDATE users SET active = true")'
    source = migration("a1", None, body)
    path = project.write("a1_init.py", source)
    s = await start_session(
        project.root, client_capabilities("emacs@v29.1"), init_options={"openFilesOnly": True}
    )
    try:
        [d] = [d for d in await s.diagnostics(s.open(path), version=1) if d.code == "DG001"]
        line = next(x for x in source.splitlines() if "op.execute" in x)
        assert d.range.start.character == line.index("op.execute")
    finally:
        await stop_session(s)
