"""Move, split or refuse: the decision per data statement, from what runs after it.

A moved statement runs once `alembic upgrade` has applied the revision, i.e. after everything
that followed it in `upgrade()` and after every later revision deployed with it. So:

- nothing after it needs its data (`dependencies.first_dependent` finds nothing): *move*;
- the first dependent operation is a statement of `upgrade()` itself: *split* there: it and
  everything after it go to a follow-up revision the script runs before;
- the first dependent operation is in a later revision that is new on the branch: the script
  runs before that revision (*move*, with that revision as `until`);
- the dependent operation cannot be cut out (it is in the same `with` block, the same SQL
  string, or a data statement comes after the cut): *refuse*.

For `downgrade()` the script runs either just before the revert (dependent operations after
the statement) or just after it (dependent operations before it); both: *refuse*.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ddlguard.fix.dependencies import Footprint, Operation, first_dependent, reason_for


@dataclass(slots=True)
class Placed:
    """One data statement being decided: where it sits and what it touches."""

    key: int  # index among the plan's candidates
    phase: str
    stmt: ast.stmt
    top: ast.stmt  # the statement of the function body holding it
    footprint: Footprint
    after: list[Operation]  # operations after it in its function (candidates excluded)
    before: list[Operation] = field(default_factory=list)  # downgrade only


@dataclass(slots=True)
class UpgradeDecision:
    moving: list[int]  # candidate keys that move
    refused: dict[int, tuple[str, Operation | None]]  # key -> reason, the dependent operation
    cut: Operation | None  # the first dependent operation of upgrade() (split there)
    cut_for: dict[int, Operation]  # key -> its first dependent operation (split reasons)


def decide_upgrade(placed: Sequence[Placed], body: Sequence[ast.stmt]) -> UpgradeDecision:
    """Where upgrade() must be cut, which statements move and which are refused."""
    position = {id(s): i for i, s in enumerate(body)}
    refused: dict[int, tuple[str, Operation | None]] = {}
    cut: Operation | None = None
    cut_for: dict[int, Operation] = {}
    moving: list[int] = []
    behind: list[int] = []  # data statements after the cut: the follow-up would hold data
    for p in placed:
        at = position.get(id(p.top), -1)
        if cut is not None and at >= position[id(cut.top)]:
            behind.append(p.key)
            refused[p.key] = (
                f"it runs after {reason_for(cut)[: -len(' needs the data first')]}, which needs "
                "data moved before it, so a follow-up revision would hold this data statement: "
                "split the migration by hand",
                cut,
            )
            continue
        dep = first_dependent(p.footprint, p.after)
        if dep is None:
            moving.append(p.key)
            continue
        if dep.top is p.top or id(dep.top) not in position:
            refused[p.key] = (
                f"{reason_for(dep)}, and it sits in the same block as the data statement, so "
                "the migration cannot be split between them",
                dep,
            )
            continue
        cut_for[p.key] = dep
        moving.append(p.key)
        if cut is None or position[id(dep.top)] < position[id(cut.top)]:
            cut = dep
    if behind and cut is not None:
        # No split at all: moving the statements before the cut would leave the ones behind it
        # for a second run, which then moves them to a script that sorts after this one (run
        # order reversed) and no longer finds the same plan. Refusing keeps one run final.
        for key, dep in cut_for.items():
            moving.remove(key)
            refused[key] = (
                f"{reason_for(dep)}, and a data statement after it would have to go to the "
                "follow-up revision too: split the migration by hand",
                dep,
            )
        return UpgradeDecision(moving, refused, None, {})
    return UpgradeDecision(moving, refused, cut, cut_for)


When = Literal["before", "after"]


def downgrade_when(p: Placed) -> tuple[When | None, str, Operation | None]:
    """`before` (dependents after it), `after` (dependents before it), or None with the reason."""
    after = first_dependent(p.footprint, p.after)
    before = first_dependent(p.footprint, p.before, crossed_backwards=True)
    if after is not None and before is not None:
        return (
            None,
            f"schema operations on both sides of it in downgrade() need its data ("
            f"`{before.label}` and `{after.label}`), so it can run neither before nor after "
            "the revert",
            after,
        )
    if after is not None:
        return "before", f"{reason_for(after)}: the script runs just before the revert", after
    if before is not None:
        return (
            "after",
            f"it needs `{before.label}` first: the script runs just after the revert",
            before,
        )
    return "after", "nothing else in downgrade() touches what it changes", None
