"""`ddlguard check --unsafe-fixes` over real projects' migrations, every file counted as new.

A trial of the fix as a careful user would run it on a whole repository's history (issue 11):
each project (a folder holding its alembic.ini and versions, e.g. extracted with `git archive`)
is copied into a fresh git repository whose base commit is empty, so `--diff-base HEAD` counts
every migration as new. The real CLI then fixes the copy, and this script reports:

- how many findings the engine offered to move, and how many the fix moved plainly, split
  (data to a script, the dependent schema operations to a follow-up revision) or refused;
- that every migration still parses (and that new revisions carry no finding);
- that no plain move leaves a dependent schema operation behind: after the moved statement, in
  the same function or in any later revision, no schema operation that needs its data (a
  constraint, a type change, a drop or rename, DDL text) names a table the moved SQL reads or
  writes (tables read with pglast from the script itself). The check is independent of the
  planner and table-level, so it over-reports; each hit is printed for review;
- that a second run changes nothing (`--diff` prints no patch).

Run: `python bench/fix_trial.py PROJECT_DIR [PROJECT_DIR ...] [--work DIR]`. Nothing of the
projects is imported or run; the copies are written under --work (a temporary folder by default).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pglast
from pglast import ast as pg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from semantics.runlines import Script, read_scripts  # the run-line reader the proof uses

GIT_ENV = {
    "GIT_AUTHOR_NAME": "trial",
    "GIT_AUTHOR_EMAIL": "trial@example.invalid",
    "GIT_COMMITTER_NAME": "trial",
    "GIT_COMMITTER_EMAIL": "trial@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
MOVE_CODES = {"DG001", "DG002", "DG003"}
# op calls that never need rows: building or dropping indexes and constraints that check nothing
_HARMLESS = {"create_index", "drop_index", "drop_constraint", "create_table", "drop_table_comment",
             "create_table_comment", "create_sequence", "drop_sequence"}  # fmt: skip
_PLACEHOLDER = re.compile(r"# Data (?:change|statements) moved to (scripts/sql/\S+?) \(ddlguard\)")


@dataclass
class Report:
    name: str
    migrations: int = 0
    offered: int = 0  # DG001-DG003 findings the engine marked movable
    moved: int = 0  # every finding moved (plain and split)
    split: int = 0
    new_revisions: int = 0
    scripts: int = 0
    exit_code: int = 0
    unparsable: list[str] = field(default_factory=list)
    flagged_new: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)
    bad_run_lines: list[str] = field(default_factory=list)
    second_run_patch: str = ""
    refusal_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def plain(self) -> int:
        return self.moved - self.split

    @property
    def refused(self) -> int:
        return self.offered - self.moved


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _ddlguard(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-P", "-m", "ddlguard", "check", "--diff-base", "HEAD", *args, "."]
    return subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)


def _migrations(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "versions" in p.parts)


def _findings(root: Path) -> list[dict[str, object]]:
    done = _ddlguard(root, "--format", "json", "--exit-zero")
    if done.returncode != 0:
        raise RuntimeError(f"ddlguard --format json failed: {done.stderr}")
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


def _offered(finding: dict[str, object]) -> bool:
    fix = finding.get("fix")
    return (
        finding["code"] in MOVE_CODES
        and isinstance(fix, dict)
        and fix.get("applicability") == "unsafe"
    )


# --- the revision graph, read statically ---------------------------------------------------


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else []
        )  # fmt: skip
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name and node.value is not None:
                try:
                    return ast.literal_eval(node.value)
                except ValueError:
                    return None
    return None


@dataclass(frozen=True)
class Revision:
    path: Path
    tree: ast.Module
    revision: str
    parents: tuple[str, ...]


def _graph(paths: Sequence[Path]) -> dict[str, Revision]:
    revisions: dict[str, Revision] = {}
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8-sig"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        rev = _assigned(tree, "revision")
        down = _assigned(tree, "down_revision")
        if not isinstance(rev, str):
            continue
        parents = (down,) if isinstance(down, str) else tuple(d for d in down or () if d)
        revisions[rev] = Revision(path, tree, rev, tuple(parents))
    return revisions


def _descendants(graph: dict[str, Revision], start: str) -> list[Revision]:
    children: dict[str, list[str]] = {}
    for rev in graph.values():
        for parent in rev.parents:
            children.setdefault(parent, []).append(rev.revision)
    seen: list[str] = []
    todo = list(children.get(start, []))
    while todo:
        rev = todo.pop()
        if rev not in seen:
            seen.append(rev)
            todo += children.get(rev, [])
    return [graph[r] for r in seen if r in graph]


# --- which tables the moved SQL touches, which later operations need them -------------------


def _tables_in_sql(sql: str) -> set[str]:
    try:
        tree = pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return set()
    return {node.relname.lower() for node in _walk(tree) if isinstance(node, pg.RangeVar)}


def _walk(node: object) -> Iterator[object]:
    if isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, pg.Node):
        yield node
        for name in node.__slots__:
            yield from _walk(getattr(node, name))


def _script_tables(text: str) -> set[str]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return _tables_in_sql(body)


def _names_in(call: ast.Call) -> set[str]:
    """Every table a call's string arguments can name: identifiers, `table.column`, SQL text."""
    names: set[str] = set()
    for node in ast.walk(call):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if re.fullmatch(r"[\w.]+", text):
                names.add(text.lower())
                names.update(part.lower() for part in text.split(".")[:2])
            else:
                names |= _tables_in_sql(text)
    return names


def _needs_data(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    if func.value.id not in {"op", "batch_op"}:
        return False
    if name == "create_index":
        return any(k.arg == "unique" and getattr(k.value, "value", False) for k in call.keywords)
    return name not in _HARMLESS


def _statements_after(tree: ast.Module, function: str, line: int | None) -> list[ast.stmt]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return [s for s in node.body if line is None or s.lineno > line]
    return []


def _left_behind(root: Path, graph: dict[str, Revision], report: Report) -> None:
    for script in read_scripts_all(root):
        if script.run is None:
            report.bad_run_lines.append(f"{script.path.relative_to(root)}: {script.problem}")
            continue
        if script.run.phase != "upgrade" or script.run.until is not None:
            continue  # split scripts run before their follow-up; rollbacks are downgrade data
        revision = graph.get(script.run.revision)
        if revision is None:
            report.bad_run_lines.append(f"{script.path.name}: no revision {script.run.revision}")
            continue
        tables = _script_tables(script.path.read_text(encoding="utf-8"))
        source = revision.path.read_text(encoding="utf-8-sig")
        marks = [
            number
            for number, text in enumerate(source.splitlines(), 1)
            if (m := _PLACEHOLDER.search(text)) and m.group(1).endswith(script.path.name)
        ]
        later = _statements_after(revision.tree, "upgrade", max(marks) if marks else None)
        for descendant in _descendants(graph, revision.revision):
            later += _statements_after(descendant.tree, "upgrade", None)
        for statement in later:
            for call in (n for n in ast.walk(statement) if isinstance(n, ast.Call)):
                hit = tables & _names_in(call) if _needs_data(call) else set()
                if hit:
                    where = _where(root, statement, graph)
                    report.left_behind.append(
                        f"{script.path.name} ({', '.join(sorted(hit))}) before "
                        f"{where}: {ast.unparse(call)[:100]}"
                    )
                    break


def read_scripts_all(root: Path) -> list[Script]:
    return [s for folder in sorted(root.rglob("scripts/sql")) for s in read_scripts(folder)]


def _where(root: Path, statement: ast.stmt, graph: dict[str, Revision]) -> str:
    for rev in graph.values():
        if any(statement is node for node in ast.walk(rev.tree)):
            return f"{rev.path.relative_to(root)}:{statement.lineno}"
    return f"line {statement.lineno}"


# --- one project ----------------------------------------------------------------------------


def trial(source: Path, work: Path) -> Report:
    root = work / source.name
    shutil.copytree(source, root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "commit", "-q", "--allow-empty", "-m", "empty base: every migration is new")
    report = Report(source.name)
    before = {p: p.read_text(encoding="utf-8-sig") for p in _migrations(root)}
    report.migrations = len(before)
    report.offered = sum(1 for f in _findings(root) if _offered(f))
    done = _ddlguard(root, "--unsafe-fixes")
    report.exit_code = done.returncode
    output = done.stdout + done.stderr
    for line in output.splitlines():
        if m := re.search(r": moved (\d+) data operation", line):
            report.moved += int(m.group(1))
        elif re.search(r": DG00\d split: ", line):
            report.split += 1
        elif m := re.search(r": DG00[1-3] not moved: (.*)", line):
            report.refusal_reasons[_reason_kind(m.group(1))] += 1
    after = _migrations(root)
    report.new_revisions = len(set(after) - set(before))
    report.scripts = len(read_scripts_all(root))
    for path in after:
        try:
            ast.parse(path.read_text(encoding="utf-8-sig"), str(path))
        except SyntaxError as exc:
            report.unparsable.append(f"{path.relative_to(root)}: {exc}")
    new_files = {str(p.relative_to(root)) for p in set(after) - set(before)}
    for finding in _findings(root):
        if str(finding["path"]) in new_files:
            report.flagged_new.append(f"{finding['path']}: {finding['code']} {finding['message']}")
    _left_behind(root, _graph(after), report)
    again = _ddlguard(root, "--unsafe-fixes", "--diff")
    report.second_run_patch = again.stdout
    return report


def _reason_kind(reason: str) -> str:
    """A refusal's reason without its specifics (names, quotes), to group like ones."""
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "…", reason)
    return text[:110]


def _print(reports: Sequence[Report]) -> None:
    head = f"{'project':<10} {'files':>5} {'offered':>7} {'moved':>5} {'split':>5} {'refused':>7}"
    print(head + f" {'new revs':>8} {'scripts':>7} {'left':>4} {'2nd run':>7} parses")
    for r in reports:
        print(
            f"{r.name:<10} {r.migrations:>5} {r.offered:>7} {r.plain:>5} {r.split:>5} "
            f"{r.refused:>7} {r.new_revisions:>8} {r.scripts:>7} {len(r.left_behind):>4} "
            f"{'same' if not r.second_run_patch else 'CHANGES':>7} "
            f"{'yes' if not r.unparsable else 'NO'}"
        )
    total = Report("total")
    for r in reports:
        for name in ("migrations", "offered", "moved", "split", "new_revisions", "scripts"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.left_behind += r.left_behind
        total.refusal_reasons += r.refusal_reasons
    print(
        f"{'total':<10} {total.migrations:>5} {total.offered:>7} {total.plain:>5} "
        f"{total.split:>5} {total.refused:>7} {total.new_revisions:>8} {total.scripts:>7} "
        f"{len(total.left_behind):>4}"
    )
    for r in reports:
        for title, items in (
            ("does not parse", r.unparsable),
            ("flagged in a new revision", r.flagged_new),
            ("run line", r.bad_run_lines),
            ("plain move with a later schema operation on its table", r.left_behind),
        ):
            for item in items:
                print(f"{r.name}: {title}: {item}")
        if r.exit_code not in (0, 1):
            print(f"{r.name}: ddlguard exited {r.exit_code}")
        if r.second_run_patch:
            print(f"{r.name}: a second run would change:\n{r.second_run_patch[:2000]}")
    print("\nwhy findings were not moved (all projects):")
    for reason, count in total.refusal_reasons.most_common(15):
        print(f"{count:>5}  {reason}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="+", type=Path)
    parser.add_argument("--work", type=Path, help="where the copies go (default: a temp folder)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="fix-trial-"))
    work.mkdir(parents=True, exist_ok=True)
    reports = [trial(project.resolve(), work) for project in args.projects]
    _print(reports)
    broken = any(
        r.unparsable or r.second_run_patch or r.exit_code not in (0, 1) or r.bad_run_lines
        for r in reports
    )
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
