"""Copying a fixture project and running the real `ddlguard check --unsafe-fixes` on a copy.

The fixed copy is a git repository whose base commit holds the shared files and the case's history
revisions; the other revisions are new on the branch (untracked), and the fix runs with
`--diff-base HEAD` unless the case says otherwise.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .cases import Case
from .runlines import Script, read_scripts

TEMPLATE = Path(__file__).parent / "template"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "proof",
    "GIT_AUTHOR_EMAIL": "proof@example.invalid",
    "GIT_COMMITTER_NAME": "proof",
    "GIT_COMMITTER_EMAIL": "proof@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def versions_of(project: Path) -> Path:
    return project / "alembic" / "versions"


def build_project(case: Case, dest: Path) -> Path:
    """The shared template, the case's own alembic.ini if it has one, and its versions/."""
    shutil.copytree(TEMPLATE, dest)
    if (case.folder / "alembic.ini").is_file():
        shutil.copy2(case.folder / "alembic.ini", dest / "alembic.ini")
    shutil.copytree(case.folder / "versions", versions_of(dest))
    return dest


def revision_of(path: Path) -> str:
    """A migration's `revision = "..."`, read statically."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(
                target := (node.targets[0] if isinstance(node, ast.Assign) else node.target),
                ast.Name,
            )
            and target.id == "revision"
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise AssertionError(f"{path.name} has no revision")


@dataclass(frozen=True, slots=True)
class FixedProject:
    """The copy after the fix, and what the fix did to it."""

    root: Path
    output: str  # ddlguard's stdout and stderr
    before: dict[str, str]  # migration file name -> text, as the case has them
    after: dict[str, str]  # the same, after the fix (new revisions included)
    scripts: tuple[Script, ...]  # in ls order

    @property
    def new_revision_files(self) -> list[str]:
        return sorted(set(self.after) - set(self.before))

    @property
    def changed_files(self) -> list[str]:
        return sorted(n for n in self.before if self.after.get(n) != self.before[n])

    def outcomes(self) -> frozenset[str]:
        """What the fix did, read from its files: a script run `before` a revision is a split."""
        if not self.scripts and not self.changed_files and not self.new_revision_files:
            return frozenset({"refuse"})
        found = {
            "split" if s.run is not None and s.run.until is not None else "move"
            for s in self.scripts
        }
        if self.new_revision_files:
            found.add("split")
        return frozenset(found)

    def describe(self) -> str:
        parts = [f"ddlguard output:\n{self.output}"]
        for name in [*self.changed_files, *self.new_revision_files]:
            parts.append(f"--- {name} after the fix:\n{self.after[name]}")
        for script in self.scripts:
            text = script.path.read_text(encoding="utf-8")
            parts.append(f"--- scripts/sql/{script.name}:\n{text}")
        return "\n".join(parts)


def _migrations(project: Path) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8") for p in sorted(versions_of(project).glob("*.py"))
    }


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, **_GIT_ENV}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def ddlguard(root: Path, paths: Sequence[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI, as a subprocess, from `root`."""
    argv = [sys.executable, "-m", "ddlguard", "check", *args, *paths]
    return subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)


def _runs(cases: Sequence[Case]) -> list[tuple[list[Case], list[str]]]:
    """The cases grouped by how the fix runs over them: with `--diff-base HEAD`, and without."""
    with_base = [c for c in cases if c.diff_base]
    without = [c for c in cases if not c.diff_base]
    return [
        (group, extra)
        for group, extra in ((with_base, ["--diff-base", "HEAD"]), (without, []))
        if group
    ]


def _mentions(output: str, case: Case) -> str:
    return "\n".join(line for line in output.splitlines() if case.name in line)


def fix_copies(cases: Sequence[Case], base: Path) -> dict[str, FixedProject | str]:
    """Every case copied into one git repository (history committed), fixed by the real
    `ddlguard check --unsafe-fixes` (two runs in all: one CLI start per case would dominate the
    suite's time). A case whose preparation failed maps to the reason."""
    top = base / "fixed"
    top.mkdir(parents=True)
    roots = {case.name: build_project(case, top / case.name) for case in cases}
    before = {case.name: _migrations(roots[case.name]) for case in cases}
    _git(top, "init", "-q", "-b", "main")
    tracked = []
    for case in cases:
        root = roots[case.name]
        tracked += [
            str((root / name).relative_to(top)) for name in ("alembic.ini", "alembic/env.py")
        ]
        tracked += [
            str(p.relative_to(top))
            for p in versions_of(root).glob("*.py")
            if revision_of(p) in case.history
        ]
    _git(top, "add", *tracked)
    _git(top, "commit", "-q", "-m", "history")
    found: dict[str, FixedProject | str] = {}
    for group, extra in _runs(cases):
        done = ddlguard(top, [c.name for c in group], "--unsafe-fixes", *extra)
        output = done.stdout + done.stderr
        for case in group:
            root = roots[case.name]
            if done.returncode not in (0, 1):
                found[case.name] = f"ddlguard exited {done.returncode}:\n{output}"
                continue
            found[case.name] = FixedProject(
                root=root,
                output=_mentions(output, case),
                before=before[case.name],
                after=_migrations(root),
                scripts=tuple(read_scripts(root / "scripts" / "sql")),
            )
    return found


def second_run(cases: Sequence[Case], top: Path) -> dict[str, str]:
    """What `ddlguard check --unsafe-fixes --diff` would still change, per case (the patch)."""
    patches: dict[str, str] = {case.name: "" for case in cases}
    for group, extra in _runs(cases):
        done = ddlguard(top, [c.name for c in group], "--unsafe-fixes", "--diff", *extra)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        for section in _file_sections(done.stdout):
            header = section.split("\n", 2)[:2]
            for case in group:
                if any(
                    f"/{case.name}/" in line or line.split()[-1].startswith(case.name + "/")
                    for line in header
                    if line.split()
                ):
                    patches[case.name] += section
    return patches


def _file_sections(patch: str) -> list[str]:
    """A unified diff cut at each file's `--- ` header."""
    sections: list[str] = []
    for line in patch.splitlines(keepends=True):
        if line.startswith("--- ") or not sections:
            sections.append("")
        sections[-1] += line
    return [s for s in sections if s.strip()]
