"""Deploying a fixture project the way its users would: Alembic in-process, scripts with psql.

A `Deployment` is one project on one database. The fixed copy's scripts run exactly where their
`-- ddlguard-run:` line says: `upgrade after R` once R is applied (never once its `before F` is),
`downgrade before R` just before R is reverted, `downgrade after R` just after.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from .postgres import Cluster
from .runlines import Run, Script

URL_VARIABLE = "DDLGUARD_TEST_DATABASE_URL"  # what the template's env.py reads


class DeployError(AssertionError):
    """A step a user would take failed (a script, or an upgrade that should have passed)."""


@contextmanager
def _database_url(url: str) -> Iterator[None]:
    old = os.environ.get(URL_VARIABLE)
    os.environ[URL_VARIABLE] = url
    try:
        yield
    finally:
        if old is None:
            del os.environ[URL_VARIABLE]
        else:
            os.environ[URL_VARIABLE] = old


def alembic_config(root: Path) -> Config:
    return Config(str(root / "alembic.ini"), output_buffer=io.StringIO())


def linear_order(root: Path) -> list[str]:
    """The project's revisions from base to its one head (AssertionError if it has more heads)."""
    scripts = ScriptDirectory.from_config(alembic_config(root))
    heads = scripts.get_heads()
    assert len(heads) == 1, f"expected one head, found {heads}"
    return [rev.revision for rev in reversed(list(scripts.walk_revisions("base", "heads")))]


def error_text(exc: BaseException) -> str:
    """The exception and everything it was raised from (the guard's message may be wrapped)."""
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 10:
        seen.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(seen)


class Deployment:
    def __init__(
        self, cluster: Cluster, database: str, root: Path, scripts: Sequence[Script] = ()
    ) -> None:
        self.cluster = cluster
        self.database = database
        self.root = root
        self.scripts = tuple(scripts)
        self.order = linear_order(root)
        self.engine = create_engine(cluster.url(database), poolclass=NullPool)
        self.ran: list[str] = []  # script names, in the order they ran
        for script in self.scripts:
            if script.run is None:
                raise DeployError(f"scripts/sql/{script.name}: {script.problem}")
            self._check_run(script.name, script.run)

    def _check_run(self, name: str, run: Run) -> None:
        if run.revision not in self.order:
            raise DeployError(f"{name}: its run line names {run.revision}, not a revision")
        if run.until is not None:
            if run.until not in self.order:
                raise DeployError(f"{name}: `before {run.until}` is not a revision")
            if self.order.index(run.until) <= self.order.index(run.revision):
                raise DeployError(f"{name}: must run before {run.until}, which precedes it")

    # --- alembic -------------------------------------------------------------------------

    def _alembic(self, action: Callable[..., object], *args: object, **kwargs: object) -> None:
        config = alembic_config(self.root)
        config.attributes["engine"] = self.engine  # NullPool: still a new connection per command
        with _database_url(self.cluster.url(self.database)):
            action(config, *args, **kwargs)

    def upgrade(self, target: str) -> None:
        self._alembic(command.upgrade, target)

    def downgrade(self, target: str) -> None:
        self._alembic(command.downgrade, target)

    def position(self) -> int:
        """Index of the applied revision in `order` (-1 before the first)."""
        with self.cluster.connect(self.database) as conn:
            exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()
            if exists is None or exists[0] is None:
                return -1
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(rows) <= 1, rows
        return self.order.index(str(rows[0][0])) if rows else -1

    # --- scripts and seeds ---------------------------------------------------------------

    def run_script(self, script: Script) -> None:
        """`psql -v ON_ERROR_STOP=1 -f scripts/sql/<name>`, as the header says, from the root."""
        relative = script.path.relative_to(self.root)
        done = self.cluster.client(
            "psql",
            self.database,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(relative),
            cwd=self.root,
        )
        if done.returncode != 0:
            raise DeployError(f"psql -f {relative} failed:\n{done.stderr}")
        self.ran.append(script.name)

    def seed(self, sql: str) -> None:
        with self.cluster.connect(self.database) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def _scripts(self, phase: str, when: str, revision: str) -> list[Script]:
        return [
            s
            for s in self.scripts
            if s.run is not None
            and (s.run.phase, s.run.when, s.run.revision) == (phase, when, revision)
        ]

    # --- the fixed copy, step by step ----------------------------------------------------

    def step_up(self, through: int) -> None:
        """Apply `order[...through]` one revision at a time, each followed by its scripts."""
        while (here := self.position()) < through:
            revision = self.order[here + 1]
            late = [
                s.name
                for s in self.scripts
                if s.run is not None and s.run.until == revision and s.name not in self.ran
            ]
            if late:
                raise DeployError(f"{late} must run before {revision} but have not")
            self.upgrade(revision)
            for script in self._scripts("upgrade", "after", revision):
                self.run_script(script)

    def step_down(self, to: int) -> None:
        """Revert down to `order[to]` (-1: base), each revision between its downgrade scripts."""
        while (here := self.position()) > to:
            revision = self.order[here]
            for script in self._scripts("downgrade", "before", revision):
                self.run_script(script)
            self.downgrade(self.order[here - 1] if here > 0 else "base")
            for script in self._scripts("downgrade", "after", revision):
                self.run_script(script)

    def pending_upgrade_scripts(self) -> list[Script]:
        """Upgrade scripts not run yet whose revision is applied and whose `before` is not."""
        here = self.position()
        return [
            s
            for s in self.scripts
            if s.run is not None
            and s.run.phase == "upgrade"
            and s.name not in self.ran
            and self.order.index(s.run.revision) <= here
            and (s.run.until is None or self.order.index(s.run.until) > here)
        ]
