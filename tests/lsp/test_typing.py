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
