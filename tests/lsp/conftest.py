"""A small Alembic project per test, and sessions with the real server over stdio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from .harness import Session, start_session, stop_session

ALEMBIC_INI = """[alembic]
script_location = alembic
sqlalchemy.url = postgresql://localhost/app
"""


def migration(revision: str, down: str | None, body: str, message: str = "add users") -> str:
    down_text = repr(down) if down else "None"
    return (
        f'"""{message}\n\nRevision ID: {revision}\nRevises: {down or ""}\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{revision}"\ndown_revision = {down_text}\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        f'def upgrade():\n{body}\n\n\ndef downgrade():\n    op.drop_table("users")\n'
    )


DATA_BODY = (
    '    op.add_column("users", sa.Column("active", sa.Boolean()))\n'
    '    op.execute("UPDATE users SET active = true")'
)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.backend = root / "backend"
        self.versions = self.backend / "alembic" / "versions"
        self.versions.mkdir(parents=True)
        root.mkdir(exist_ok=True)
        (self.backend / "alembic.ini").write_text(ALEMBIC_INI)
        (root / ".git").mkdir()

    def write(self, name: str, text: str) -> Path:
        path = self.versions / name
        path.write_bytes(text.encode("utf-8"))
        return path

    def add(
        self,
        name: str,
        revision: str,
        down: str | None,
        body: str = DATA_BODY,
        message: str = "add users",
    ) -> Path:
        return self.write(name, migration(revision, down, body, message))

    def add_after_base(self, name: str, revision: str, body: str = DATA_BODY) -> Path:
        """`revision` on top of a base `a0` (written once): an empty upgrade() in a base is
        fine by design (DG202 stays silent there), so DG202 tests need a parent."""
        if not (self.versions / "a0_base.py").exists():
            self.add("a0_base.py", "a0", None, body='    op.create_table("base")')
        return self.add(name, revision, "a0", body)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest_asyncio.fixture
async def session(project: Project) -> AsyncIterator[Session]:
    s = await start_session(project.root)
    yield s
    await stop_session(s)
