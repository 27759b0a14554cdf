"""The language server under load and under hostile documents (design section 7): it never
crashes, keeps answering, its last diagnostics match the last version, memory comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from ddlguard.lsp.documents import INLINE_CHARS

from .cli_helpers import make_project
from .lsp_client import Editor, start_editor, stop_editor

DOCS = 20
CHANGES = 1000
BODY = '''"""burst {doc}"""
from alembic import op

revision = "r{doc:02d}"
down_revision = None


def upgrade():
    ñ = "😀"; op.execute("UPDATE t{doc}_v{version} SET a = 1")


def downgrade():
    pass
'''


def text(doc: int, version: int) -> str:
    return BODY.format(doc=doc, version=version)


@pytest_asyncio.fixture
async def editor(tmp_path: Path) -> AsyncIterator[Editor]:
    root = tmp_path / "proj"
    versions = make_project(root)
    for doc in range(DOCS):
        (versions / f"r{doc:02d}.py").write_text(text(doc, 1), "utf-8")
    ed = await start_editor(root)
    yield ed
    if ed.alive():
        await stop_editor(ed)


def _message_for(ed: Editor, u: str) -> list[str]:
    last = ed.last_publish(u)
    return [d.message for d in last.diagnostics] if last else []


def _burst(editor: Editor, uris: list[str]) -> dict[str, tuple[int, str]]:
    """1,000 whole-document changes, round robin, written at once (a client replaying edits);
    each document's final version and table."""
    final: dict[str, tuple[int, str]] = {}
    with editor.batched():
        for i in range(CHANGES):
            doc = i % DOCS
            final[uris[doc]] = (editor.change(uris[doc], text(doc, i + 2)), f"t{doc}_v{i + 2}")
    return final


async def _open_all(editor: Editor) -> list[str]:
    versions = editor.root / "alembic" / "versions"
    uris = [editor.open(versions / f"r{d:02d}.py", text(d, 1)) for d in range(DOCS)]
    assert await editor.wait_for(lambda: all(editor.last_publish(u) for u in uris), 60)
    return uris


async def test_a_burst_is_coalesced_and_a_hover_is_not_starved(editor: Editor) -> None:
    uris = await _open_all(editor)
    await asyncio.sleep(0.5)
    before = len(editor.published)
    final = _burst(editor, uris)
    hover = await editor.hover_time(uris[0], 8, 20)
    assert await editor.wait_for(
        lambda: all(editor.last_publish(u).version == v for u, (v, _) in final.items()),  # type: ignore[union-attr]
        60,
    )
    publishes = len(editor.published) - before
    # one per document when the burst is read without a pause (21-28 on a quiet 2-core VM,
    # 33-142 with two CPU hogs beside it: the server descheduled for longer than the window)
    assert publishes < CHANGES // 4, f"{publishes} publishes for {CHANGES} changes"
    # The hover waits behind the 1,000 changes sent before it (LSP keeps the order): reading
    # them takes ~0.3 s on a fast machine, up to 1.4 s on a loaded 2-core VM. Queued behind
    # their analyses too, it would take several times that.
    assert hover < 3.0


def heavy(version: int) -> str:
    """Version `version` of a migration of 200 statements, analysed on the event loop (it is
    under INLINE_CHARS) in ~10 ms here: twice the burst window and more."""
    body = "\n".join(f'    op.execute("DELETE FROM t{i}")' for i in range(200))
    head = (
        f'"""heavy {version}"""\nfrom alembic import op\n\nrevision = "h1"\ndown_revision = None\n'
    )
    source = f"{head}\n\ndef upgrade():\n{body}\n"
    assert len(source) <= INLINE_CHARS
    return source


async def test_changes_queued_behind_an_analysis_are_one_burst(editor: Editor) -> None:
    """Each change of a burst reaches the server after the previous one's analysis blocked
    its loop longer than the burst window: that is the server's pause, not the client's, so
    the burst is still coalesced (counting the gap from the previous change alone analysed
    every one of them: 101 publishes)."""
    versions = editor.root / "alembic" / "versions"
    u = editor.open(versions / "h1.py", heavy(1))
    assert await editor.wait_for(lambda: editor.last_publish(u) is not None, 60)
    await asyncio.sleep(0.5)
    before = len(editor.published)
    with editor.batched():
        for version in range(2, 102):
            final = editor.change(u, heavy(version))
    assert await editor.wait_for(
        lambda: (last := editor.last_publish(u)) is not None and last.version == final, 60
    )
    publishes = len(editor.published) - before
    # 8-22 on a quiet 2-core VM, 10-27 beside two CPU hogs (a pause in reading the pipe
    # longer than the window starts one analysis at once); every change was analysed before
    assert publishes <= 50, f"{publishes} publishes for 100 changes"
    last = editor.last_publish(u)
    assert last is not None and sum(d.code == "DG001" for d in last.diagnostics) == 200


async def _warm_up(editor: Editor, uris: list[str]) -> None:
    """A few edits of every document, then idle: the modules a first edit and an idle server
    load (the detector's, the fix planner's) are loaded before the baseline, so the bound
    below measures what the burst keeps, not one-time imports."""
    final: dict[str, int] = {}
    for k in range(3):
        for doc, u in enumerate(uris):
            final[u] = editor.change(u, text(doc, 10_000 + k))
    assert await editor.wait_for(
        lambda: all(
            (last := editor.last_publish(u)) is not None and last.version == v
            for u, v in final.items()
        ),
        60,
    )
    await asyncio.sleep(2.0)  # the planner runs when the server is idle


async def test_a_burst_of_1000_changes_across_20_documents(editor: Editor) -> None:
    uris = await _open_all(editor)
    await _warm_up(editor, uris)  # the baseline is a warm, idle server
    baseline = editor.rss_kib()

    final = _burst(editor, uris)
    # the server keeps answering while it works through the burst
    assert await editor.hover_time(uris[0], 8, 20) < 10.0

    def settled() -> bool:
        for u, (version, _) in final.items():
            last = editor.last_publish(u)
            if last is None or last.version != version:
                return False
        return True

    assert await editor.wait_for(settled, 90), "final versions were not all published"
    await asyncio.sleep(1.0)  # nothing stale may arrive after the final version
    for u in uris:
        last = editor.last_publish(u)
        version, expected_table = final[u]
        assert last is not None and last.version == version
        assert any(expected_table in m for m in _message_for(editor, u)), (
            expected_table,
            _message_for(editor, u),
        )
        # exact in UTF-16: `ñ = "😀"; ` is 9 code points but 10 UTF-16 units
        d = next(d for d in last.diagnostics if d.code == "DG001")
        assert (d.range.start.line, d.range.start.character) == (8, 4 + 10)

    for u in uris:
        editor.close(u)
    await asyncio.sleep(2.0)
    after = editor.rss_kib()
    assert after < baseline + 24 * 1024, f"RSS {baseline} KiB -> {after} KiB after closing"
    assert await editor.hover_time(uris[0]) < 1.0
    assert editor.server_requests == []


HOSTILE = {
    "mid-typing": text(0, 1)[:-40] + 'op.execute("UPDATE',
    "nul-bytes": text(0, 1).replace("pass", "x = '\x00'\x00"),
    "deep-nesting": text(0, 1) + "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "long-chain": text(0, 1) + "x = " + "-" * 100_000 + "1\n",
    "5-mb": text(0, 1) + "".join(f"# {i} é😀 filler line\n" for i in range(230_000)),
    "lone-surrogate": text(0, 1).replace("pass", "# \ud800 half a pair\n    pass"),
    "binary-ish": "".join(chr(c) for c in range(1, 0xD7FF, 7)),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_documents_leave_the_server_answering(editor: Editor, name: str) -> None:
    versions = editor.root / "alembic" / "versions"
    good = editor.open(versions / "r01.py", text(1, 1))
    hostile_text = HOSTILE[name]
    if name == "5-mb":
        assert len(hostile_text.encode("utf-8")) >= 5 * 1024 * 1024
    u = editor.open(versions / "r00.py", hostile_text)
    editor.change(u, hostile_text + "\n")
    assert await editor.hover_time(u, 3, 3) < 5.0
    assert await editor.hover_time(good, 8, 20) < 5.0
    assert editor.alive()
    # typing on: the next good version is analysed and published
    version = editor.change(u, text(0, 7))
    assert await editor.wait_for(
        lambda: (p := editor.last_publish(u)) is not None and p.version == version, 60
    )
    assert any("t0_v7" in m for m in _message_for(editor, u))
    assert editor.alive()
