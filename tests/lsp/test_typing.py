"""Typing pace: what the server does between keystrokes, observed through its debug log."""

from __future__ import annotations

import asyncio

from .conftest import Project, migration
from .harness import start_session, stop_session

IDLE_LOG = "idle garbage collection"


async def test_the_old_generation_is_collected_once_typing_pauses(project: Project) -> None:
    """No full garbage collection while changes keep coming; one after a second of quiet."""
    path = project.add_after_base("a1_init.py", "a1", body='    op.create_table("t")')
    s = await start_session(project.root, init_options={"openFilesOnly": True, "logLevel": "debug"})

    def collections() -> int:
        return sum(IDLE_LOG in m.message for m in s.client.log_messages)

    try:
        u = s.open(path)
        await s.diagnostics(u, version=1)
        await asyncio.sleep(1.5)  # the open was a change too: its collection comes first
        before = collections()
        assert before == 1
        last = 1
        for n in range(6):  # typing: a change every 50 ms, never a second of quiet
            last = s.change(u, migration("a1", "a0", f'    op.create_table("t{n}")'))
            await asyncio.sleep(0.05)
        assert await s.diagnostics(u, version=last) == []
        assert collections() == before
        for _ in range(60):
            if collections() > before:
                break
            await asyncio.sleep(0.05)
        assert collections() == before + 1
    finally:
        await stop_session(s)


SPLICED_LOG = "only the changed lines were parsed again"


def _big_body(statements: int) -> str:
    """A long upgrade(): past the size the server analyses in a worker thread."""
    lines = []
    for n in range(statements):
        lines.append(f'    op.add_column("t{n}", sa.Column("c", sa.Integer(), nullable=True))')
        lines.append(f"    # step {n}")
    return "\n".join(lines) + '\n    op.execute("UPDATE t0 SET c = 1")\n    # typed here'


async def test_typing_in_a_large_migration_reports_what_a_fresh_open_reports(
    project: Project,
) -> None:
    """Each version typed into a large migration (most of them re-parsed only where they
    changed) gets the diagnostics a fresh server gives the same text, ranges included."""
    path = project.add_after_base("a1_big.py", "a1", body=_big_body(150))
    text = path.read_text()
    assert len(text) > 8_000  # analysed in a worker, as large documents are
    edits = [
        lambda t: t.replace("    # typed here", "    # typed here, more"),  # a comment
        lambda t: t.replace('"t3", sa.Column("c"', '"t3", sa.Column("cc"'),  # code
        lambda t: t.replace("    # step 7\n", '    op.execute("DELETE FROM t7")\n'),  # a finding
        lambda t: t.replace(
            "    # typed here, more", '    op.execute("INSERT INTO t1 VALUES (1)")'
        ),
        lambda t: t.replace(
            '    op.execute("DELETE FROM t7")', '    op.execute("DELETE FROM t7"'
        ),  # broken
        lambda t: t.replace(
            '    op.execute("DELETE FROM t7"\n', '    op.execute("DELETE FROM t7")\n'
        ),
        lambda t: t.replace("    # step 9\n", "    # step 9\n    # a new line moves the rest\n"),
        lambda t: t.replace('op.drop_table("users")\n', 'op.drop_table("users")\n    op.f()\n'),
    ]
    typed = [text]
    for edit in edits:
        typed.append(edit(typed[-1]))
        assert typed[-1] != typed[-2]
    s = await start_session(project.root, init_options={"openFilesOnly": True, "logLevel": "debug"})
    seen: list[tuple[str, list[tuple[str, object]]]] = []
    try:
        u = s.open(path)
        await s.diagnostics(u, version=1)
        for version_text in typed[1:]:
            version = s.change(u, version_text)
            await asyncio.sleep(0.05)  # typing pace: each version analysed on its own
            if 'DELETE FROM t7"\n' in version_text:
                continue  # does not parse: the last good diagnostics stay
            found = await s.diagnostics(u, version=version)
            seen.append((version_text, [(str(d.code), d.range) for d in found]))
        spliced = sum(SPLICED_LOG in m.message for m in s.client.log_messages)
    finally:
        await stop_session(s)
    assert spliced >= 5  # the comment, code and finding edits; not the line added mid-file
    fresh = await start_session(project.root, init_options={"openFilesOnly": True})
    try:
        for version_text, reported in seen:
            u = fresh.open(path, text=version_text)
            found = await fresh.diagnostics(u, version=1)
            assert reported == [(str(d.code), d.range) for d in found]
            fresh.close(u)
            await asyncio.sleep(0.05)
            fresh.recorder.published.clear()
    finally:
        await stop_session(fresh)
    assert any(code == "DG001" for _, reported in seen for code, _ in reported)
