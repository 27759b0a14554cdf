"""The fixture projects of the PostgreSQL proof: `projects/<name>/` holds `versions/` and `case.toml`.

case.toml says what the case is about, which outcome(s) the fix may produce, which revisions are
history (committed before the branch, so not new relative to the diff-base) and which seed SQL runs
after which revision, the same in the original and the fixed run, so backfills have rows to work on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECTS = Path(__file__).parent / "projects"
OUTCOMES = frozenset({"move", "split", "refuse"})


@dataclass(frozen=True, slots=True)
class Seed:
    after: str  # an original revision id
    sql: str


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    folder: Path
    about: str
    expect: tuple[frozenset[str], ...]  # acceptable sets of observed outcomes
    history: tuple[str, ...]  # revision ids committed on the base (not new)
    diff_base: bool  # run the fix with --diff-base (else every revision with children is old)
    unchanged: tuple[str, ...]  # revision ids whose files the fix must leave byte for byte
    seeds: tuple[Seed, ...]
    new_revision_name: str | None  # a regular expression every follow-up's file name matches

    @property
    def may_change(self) -> bool:
        """False when refusing is the only acceptable outcome."""
        return any(alternative != {"refuse"} for alternative in self.expect)


def _expectation(text: str) -> tuple[frozenset[str], ...]:
    """`"split|refuse"` → ({split}, {refuse}); `"move+split"` → ({move, split},)."""
    alternatives = tuple(frozenset(part.split("+")) for part in text.split("|"))
    for alternative in alternatives:
        unknown = alternative - OUTCOMES
        if unknown:
            raise ValueError(f"unknown outcome(s) {sorted(unknown)} in {text!r}")
    return alternatives


def load_case(folder: Path) -> Case:
    data = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    return Case(
        name=folder.name,
        folder=folder,
        about=data["about"],
        expect=_expectation(data["expect"]),
        history=tuple(data.get("history", [])),
        diff_base=bool(data.get("diff_base", True)),
        unchanged=tuple(data.get("unchanged", [])),
        seeds=tuple(Seed(after=s["after"], sql=s["sql"]) for s in data.get("seed", [])),
        new_revision_name=data.get("new_revision_name"),
    )


def all_cases() -> list[Case]:
    return [load_case(folder) for folder in sorted(PROJECTS.iterdir()) if folder.is_dir()]
