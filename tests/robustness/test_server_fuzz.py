"""Typing into the real server: sequences of half-typed migrations sent as changes.

Every diagnostic published must describe the text of the version it names (range inside
that text, in UTF-16 units, covering a call for the call rules); the last one published is
for the last version; the server stays up and answers.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from ddlguard.positions import split_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .cli_helpers import make_project
from .lsp_client import start_editor, stop_editor
from .properties import CALL_CODES, parse_expression
from .strategies import Doc, migrations, typed_migrations


def utf16_text(lines: list[str], sl: int, sc: int, el: int, ec: int) -> str:
    enc = [line.encode("utf-16-le", "surrogatepass") for line in lines]
    for line, unit in ((sl, sc), (el, ec)):
        assert 0 <= line < len(lines), f"line {line} outside the document"
        assert 0 <= unit <= len(enc[line]) // 2, f"character {unit} outside line {line}"
    if sl == el:
        return enc[sl][2 * sc : 2 * ec].decode("utf-16-le", "surrogatepass")
    parts = [enc[sl][2 * sc :], *enc[sl + 1 : el], enc[el][: 2 * ec]]
    return "\n".join(p.decode("utf-16-le", "surrogatepass") for p in parts)


async def _type_into_server(root: Path, texts: list[str]) -> None:
    editor = await start_editor(root)
    try:
        path = root / "alembic" / "versions" / "0001_fuzz.py"
        by_version: dict[int, str] = {1: texts[0]}
        u = editor.open(path, texts[0])
        for text in texts[1:]:
            by_version[editor.change(u, text)] = text
            await asyncio.sleep(0.002)  # a fast typist
        last = max(by_version)
        assert await editor.wait_for(
            lambda: (p := editor.last_publish(u)) is not None and p.version == last, 60
        ), "the last version was never published"
        await asyncio.sleep(0.3)
        assert editor.last_publish(u).version == last  # type: ignore[union-attr]
        for params in editor.published:
            if params.uri != u or params.version is None:
                continue
            lines = split_lines(by_version[params.version].removeprefix("\ufeff"))
            for d in params.diagnostics:
                r = d.range
                text = utf16_text(
                    lines, r.start.line, r.start.character, r.end.line, r.end.character
                )
                if d.code in CALL_CODES:
                    node = parse_expression(text)
                    assert isinstance(node, ast.Call), (d.code, text)
        assert await editor.hover_time(u, 0, 0) < 5.0
        assert editor.alive()
    finally:
        if editor.alive():
            await stop_editor(editor)


@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(typed_migrations(), migrations().map(lambda d: d.text)), min_size=20,
                max_size=40), migrations())  # fmt: skip
def test_typing_into_the_server(tmp_path: Path, texts: list[str], final: Doc) -> None:
    root = tmp_path / f"proj{len(list(tmp_path.iterdir()))}"
    make_project(root)
    asyncio.run(_type_into_server(root, [*texts, final.text]))
