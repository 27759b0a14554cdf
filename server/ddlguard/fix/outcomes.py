"""Move, split or refuse: the decision per data statement, from what runs after it.

A moved statement runs once `alembic upgrade` has applied the revision, i.e. after everything
that followed it in `upgrade()` and after every later revision deployed with it. So:

- nothing after it needs its data (`dependencies.first_dependent` finds nothing): *move*;
- the first dependent operation is a statement of `upgrade()` itself: *split* there: it and
  everything after it go to a follow-up revision the script runs before;
- the first dependent operation is in a later revision that is new on the branch: the script
  runs before that revision (*move*, with that revision as `until`);
- data statements after the cut join the same script (*chain*) when none of the operations
  between the cut and them works on what they touch (`chain_blocker`); otherwise, and when
  the dependent operation cannot be cut out (it is in the same `with` block or the same SQL
  string), *refuse*.

For `downgrade()` the script runs either just before the revert (dependent operations after
the statement) or just after it (dependent operations before it); both: *refuse*.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
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
    whole: bool = True  # a statement of the body itself, none of its SQL string's DDL kept
    # the operations before it (candidates excluded), read only for a statement behind the cut
    preceding: Callable[[], list[Operation]] | None = None


@dataclass(slots=True)
class UpgradeDecision:
    moving: list[int]  # candidate keys that move
    refused: dict[int, tuple[str, Operation | None]]  # key -> reason, the dependent operation
    cut: Operation | None  # the first dependent operation of upgrade() (split there)
    cut_for: dict[int, Operation]  # key -> its first dependent operation (split reasons)
    chained: list[int] = field(default_factory=list)  # keys behind the cut joining the script


def decide_upgrade(placed: Sequence[Placed], body: Sequence[ast.stmt]) -> UpgradeDecision:
    """Where upgrade() must be cut, which statements move and which are refused.

    `placed` is in source order, so the cut (the earliest first dependent operation) only moves
    up to operations after every statement already seen: one pass decides which stand behind it.
    """
    position = {id(s): i for i, s in enumerate(body)}
    refused: dict[int, tuple[str, Operation | None]] = {}
    cut: Operation | None = None
    cut_for: dict[int, Operation] = {}
    moving: list[int] = []
    behind: list[Placed] = []  # data statements after the cut: they join the script or refuse
    for p in placed:
        at = position.get(id(p.top), -1)
        if cut is not None and at >= position[id(cut.top)]:
            behind.append(p)
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
    if cut is None or not behind:
        return UpgradeDecision(moving, refused, cut, cut_for)
    blocked = {p.key: b for p in behind if (b := chain_blocker(p, cut, position)) is not None}
    if not blocked:
        for p in behind:
            moving.append(p.key)
            dep = first_dependent(p.footprint, p.after)
            if dep is not None:
                cut_for[p.key] = dep
        return UpgradeDecision(moving, refused, cut, cut_for, [p.key for p in behind])
    # No split at all: moving the statements before the cut would leave the ones behind it
    # for a second run, which then moves them to a script that sorts after this one (run
    # order reversed) and no longer finds the same plan. Refusing keeps one run final.
    first = next(p for p in behind if p.key in blocked)
    why, blocker = blocked[first.key]
    ahead = f"it comes after `{cut.label}`, where upgrade() would be split"
    for p in behind:
        refused[p.key] = (
            (f"{ahead}, and cannot join the same script: {blocked[p.key][0]}", blocker)
            if p.key in blocked
            else (
                f"{ahead}, and could join the same script, but the data statement on line "
                f"{first.stmt.lineno} cannot: {why}",
                blocker,
            )
        )
    for key, dep in cut_for.items():
        moving.remove(key)
        refused[key] = (
            f"{reason_for(dep)}, but the data statement on line {first.stmt.lineno} after it "
            f"cannot join the same script: {why}",
            dep,
        )
    return UpgradeDecision(moving, refused, None, {})


def chain_blocker(
    p: Placed, cut: Operation, position: dict[int, int]
) -> tuple[str, Operation] | None:
    """Why a data statement behind the cut cannot join the script, and the operation that
    stops it (None: it can join).

    In the script it runs right after the data statements before it, i.e. *before* the
    operations between the cut and it (`op_1 … op_k`, now in the follow-up revision) instead of
    after them. That is exact when none of them touches what it reads or writes: a column or
    table one of them adds, drops, renames or reshapes, a table it creates, anything ddlguard
    cannot read (unknown counts as dependent). The operations after it stay after it, the
    data statements keep their order, and what stood before the cut still runs before all.
    """
    if not p.whole:
        return (
            "it sits in a block or shares its SQL string with schema changes; split the "
            "migration by hand",
            cut,
        )
    start, at = position[id(cut.top)], position[id(p.top)]
    ahead = p.preceding() if p.preceding is not None else p.before
    between = [op for op in ahead if start <= position.get(id(op.top), -1) < at]
    crossed = first_dependent(p.footprint, between, crossed_backwards=True)
    if crossed is None:
        return None
    what = (
        "ddlguard cannot tell what that touches"
        if not crossed.known
        else "that works on what it touches"
    )
    if crossed.top is cut.top:
        return (
            f"moved into the script it would run before `{crossed.label}` itself, and {what}; "
            "split the migration by hand",
            crossed,
        )
    return (
        f"moved into the script it would run before `{crossed.label}`, which stands between "
        f"the cut and it, and {what}; move that operation above the cut if it does not need "
        "the data, or split the migration by hand",
        crossed,
    )


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
