"""The two deploys the fix must not change: step by step, and `alembic upgrade head` in one go.

Both compare the original project on one fresh database with the fixed copy on another, seeded
the same way, by `pg_dump --schema-only` and every table's sorted rows.
"""

from __future__ import annotations

from pathlib import Path

from .cases import Case
from .deploy import DeployError, Deployment, error_text
from .postgres import Cluster, DatabasePool
from .projects import FixedProject
from .state import differences, snapshot, snapshots


def _pair(
    cluster: Cluster, pool: DatabasePool, original: Path, fixed: FixedProject
) -> tuple[Deployment, Deployment]:
    old = Deployment(cluster, pool.take(), original)
    new = Deployment(cluster, pool.take(), fixed.root, fixed.scripts)
    positions = [new.order.index(r) for r in old.order if r in new.order]
    assert len(positions) == len(old.order) and positions == sorted(positions), (
        f"the fixed copy lost or reordered original revisions: {old.order} -> {new.order}"
    )
    return old, new


def _drop(pool: DatabasePool, *deployments: Deployment) -> None:
    for deployment in deployments:
        pool.give_back(deployment.database)


def _same(
    cluster: Cluster, old: Deployment, new: Deployment, when: str, fixed: FixedProject
) -> None:
    expected, actual = snapshots(cluster, old.database, new.database)
    diff = differences(expected, actual)
    if diff is not None:
        raise AssertionError(
            f"{when}: the fixed copy differs from the original\n{diff}\n\n"
            f"scripts run so far: {new.ran}\n{fixed.describe()}"
        )


def _until_before(new: Deployment, old_order: list[str], index: int) -> int:
    """The last fixed revision to apply for original revision `index`: up to the next original."""
    if index + 1 < len(old_order):
        return new.order.index(old_order[index + 1]) - 1
    return len(new.order) - 1


def _climb(
    cluster: Cluster,
    case: Case,
    old: Deployment,
    new: Deployment,
    fixed: FixedProject,
    stop: int,
) -> None:
    """Both up to original revision `old.order[stop]`, one revision at a time, seeding on the way."""
    for index, revision in enumerate(old.order[: stop + 1]):
        old.upgrade(revision)
        try:
            new.step_up(_until_before(new, old.order, index))
        except Exception as exc:
            raise AssertionError(
                f"step-by-step upgrade to {revision} failed in the fixed copy:\n"
                f"{error_text(exc)}\n\n{fixed.describe()}"
            ) from exc
        _same(cluster, old, new, f"after upgrading to {revision}", fixed)
        for seed in case.seeds:
            if seed.after == revision:
                old.seed(seed.sql)
                new.seed(seed.sql)


def prove_stepwise(
    cluster: Cluster, pool: DatabasePool, case: Case, original: Path, fixed: FixedProject
) -> None:
    """(a) `alembic upgrade <rev>` one original revision at a time, then down again the same way."""
    old, new = _pair(cluster, pool, original, fixed)
    try:
        _climb(cluster, case, old, new, fixed, len(old.order) - 1)
        for index in reversed(range(len(old.order))):
            revision = old.order[index]
            target = old.order[index - 1] if index > 0 else "base"
            old.downgrade(target)
            try:
                new.step_down(new.order.index(revision) - 1)
            except Exception as exc:
                raise AssertionError(
                    f"step-by-step downgrade of {revision} failed in the fixed copy:\n"
                    f"{error_text(exc)}\n\n{fixed.describe()}"
                ) from exc
            _same(cluster, old, new, f"after downgrading {revision} (to {target})", fixed)
    finally:
        _drop(pool, old, new)


def _named_script(new: Deployment, message: str) -> str:
    named = [s.name for s in new.scripts if f"scripts/sql/{s.name}" in message]
    assert len(named) == 1, f"the failing upgrade names {len(named)} scripts:\n{message}"
    return named[0]


def prove_one_go(
    cluster: Cluster,
    pool: DatabasePool,
    case: Case,
    original: Path,
    fixed: FixedProject,
    *,
    seeded: bool,
) -> None:
    """(b) From the last seeded revision (or from an empty database), `alembic upgrade head` at once.

    Either the end state is the original's (after the plain moves' scripts, in `ls` order), or it
    fails at a guard naming the script with the database where it began; then the way through
    (upgrade to the script's revision, run it, `upgrade head` again) gives the original's end state.
    """
    old, new = _pair(cluster, pool, original, fixed)
    try:
        seed_points = [old.order.index(s.after) for s in case.seeds] if seeded else []
        start = max(seed_points, default=-1)
        _climb(cluster, case, old, new, fixed, start)
        old.upgrade("head")
        for _attempt in range(len(new.scripts) + 1):
            before = snapshot(cluster, new.database)
            try:
                new.upgrade("head")
                break
            except DeployError:
                raise
            except Exception as exc:
                message = error_text(exc)
            after = snapshot(cluster, new.database)
            half = differences(before, after, versions=True)
            assert half is None, (
                f"a failing `alembic upgrade head` left the database half-applied:\n{half}\n"
                f"{message}"
            )
            name = _named_script(new, message)
            script = next(s for s in new.scripts if s.name == name)
            assert script.run is not None and script.run.phase == "upgrade"
            for step in (f"alembic upgrade {script.run.revision}", "alembic upgrade head"):
                assert step in message, f"the guard's message does not say {step!r}:\n{message}"
            assert "psql" in message, f"the guard's message does not say how to run it:\n{message}"
            assert name not in new.ran, f"the guard stops although {name} has run:\n{message}"
            new.upgrade(script.run.revision)
            new.run_script(script)
        else:
            raise AssertionError("`alembic upgrade head` keeps failing after every script ran")
        for script in new.pending_upgrade_scripts():
            new.run_script(script)
        _same(cluster, old, new, "after `alembic upgrade head` in one go", fixed)
    finally:
        _drop(pool, old, new)
