"""The follow-up revision of a split: the schema changes that needed the moved data, deferred.

A split leaves the original revision with what ran before the first dependent schema operation,
moves the data to a script, and writes a new revision (child of the original) holding that
operation and everything after it, verbatim, behind a guard that stops while the script has not
run. The original's children are re-parented onto the new revision, so there is still one head.
Pure: text in, text out; nothing is read or written here.
"""

from __future__ import annotations

import ast
import configparser
import datetime
import hashlib
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.sql.elements import TextClause

from ddlguard.fix.codemod import is_pure
from ddlguard.fix.edits import line_edits
from ddlguard.fix.guards import Guard
from ddlguard.fix.model import ChildMigration, FileEdit, NewFile, NotMovable, RevisionContext
from ddlguard.fix.script import run_command
from ddlguard.positions import split_lines, utf8_to_codepoints

GUARD_FUNCTION = "_require_data_script"
_SLUG_WORD = re.compile(r"\w+")  # Alembic's own slug: the message's words joined by "_"
TRUNCATE_SLUG = 40  # Alembic's default truncate_slug_length
_SAFE_ID = re.compile(r"[A-Za-z0-9_.+-]{1,64}")


@dataclass(frozen=True, slots=True)
class FollowUpInput:
    """What the planner knows about the split (see docs/fixes.md, "Split")."""

    path: Path  # the original migration
    source: str  # its text, without a BOM
    tree: ast.Module
    revision: str
    message: str | None
    deferred: tuple[ast.stmt, ...]  # top-level upgrade() statements to defer, in order
    inverse: tuple[ast.stmt, ...]  # top-level downgrade() statements undoing them (maybe none)
    script: str  # the upgrade script, relative to the project root
    command: str  # how to run it (`script.run_command`: the dialect's own client)
    guard: Guard
    context: RevisionContext
    today: datetime.date


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The new revision, and what changes elsewhere because of it."""

    revision: str
    file: NewFile
    remove_lines: frozenset[int]  # first lines of the statements leaving the original
    comment: str  # left in the original where the deferred statements were
    child_edits: tuple[FileEdit, ...]


def build_follow_up(original: FollowUpInput) -> FollowUp:
    """The follow-up revision for a split; raises NotMovable when it cannot be written exactly."""
    if not original.deferred:
        raise NotMovable("nothing to defer to a follow-up revision")
    if not _SAFE_ID.fullmatch(original.revision):
        raise NotMovable("the revision id has characters ddlguard will not write into a file")
    context = original.context
    revision = new_revision_id(
        original.revision, original.script, original.today, context.existing_revisions
    )
    folder = context.versions_dir or original.path.parent
    message = _message(original.message)
    name = file_name(context.file_template, revision, message, original.today)
    path = folder / name
    try:
        content = _render(original, revision, message)
    except (ValueError, IndexError, AttributeError, RecursionError) as exc:
        raise NotMovable(f"ddlguard could not write the follow-up revision ({exc})") from None
    if "\r\n" in original.source:  # the project's line endings (string literals included)
        content = content.replace("\n", "\r\n")
    try:
        ast.parse(content)
    except SyntaxError as exc:  # a bug here must refuse the split, never write a broken file
        raise NotMovable(f"ddlguard could not write the follow-up revision ({exc.msg})") from None
    _no_findings(content, path)
    relative = _relative_to(path, original.path)
    # one short line (the script is named on the line above it; the file is `<rev>_…`)
    comment = f"Schema changes that need this data moved to revision {revision} (ddlguard)."
    removed = frozenset(s.lineno for s in (*original.deferred, *original.inverse))
    children = tuple(
        reparent(child, original.revision, revision)
        for child in context.children
        if child.path != path
    )
    return FollowUp(revision, NewFile(path, relative, content), removed, comment, children)


def _no_findings(content: str, path: Path) -> None:
    """The follow-up must be a clean, schema-only revision: data left in the deferred code (a
    loop of UPDATEs the planner could not move) would make it a data migration again."""
    from ddlguard.engine import analyze_source
    from ddlguard.settings import Settings

    result = analyze_source(content, path, Settings(), in_version_dir=True)
    if result.findings:
        first = result.findings[0]
        raise NotMovable(
            f"the operations that would be deferred include {first.code} ({first.message}), "
            f"which would make the follow-up revision a data migration"
        )


def new_revision_id(
    original: str, script: str, today: datetime.date, existing: Iterable[str]
) -> str:
    """12 hex digits, the same for the same split (a code action computed twice gives one file)."""
    taken = set(existing)
    seed = f"{original}\n{script}\n{today.isoformat()}"
    while True:
        candidate = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12]
        if candidate not in taken and candidate != original:
            return candidate
        seed = candidate


def alembic_slug(message: str) -> str:
    """The slug Alembic puts in file names: the message's words, `_`-joined, at most 40 long."""
    slug = "_".join(_SLUG_WORD.findall(message)).lower()
    if len(slug) > TRUNCATE_SLUG:
        slug = slug[:TRUNCATE_SLUG].rsplit("_", 1)[0] + "_"
    return slug


def file_name(template: str | None, revision: str, message: str, today: datetime.date) -> str:
    """The file name from alembic.ini's `file_template` (Alembic's tokens), else `<rev>_<slug>.py`.

    The ini writes `%%(rev)s` (configparser's escape); both spellings are accepted. A template
    ddlguard cannot fill gives the default name rather than a guess.
    """
    slug = alembic_slug(message)
    if template:
        when = datetime.datetime(today.year, today.month, today.day)
        values = {
            "rev": revision, "slug": slug, "epoch": int(when.timestamp()), "year": when.year,
            "month": when.month, "day": when.day, "hour": 0, "minute": 0, "second": 0,
        }  # fmt: skip
        try:
            stem = template.replace("%%", "%") % values
        except (KeyError, ValueError, TypeError):
            stem = ""
        parts = Path(stem).parts
        if stem and not Path(stem).is_absolute() and ".." not in parts:
            return stem + ".py"
    return f"{revision}_{slug}.py"


def file_template_of(ini_text: str, section: str = "alembic") -> str | None:
    """`file_template` of alembic.ini's section, raw (`%%(rev)s…`), or None (Alembic's default)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(ini_text)
    except configparser.Error:
        return None
    value = parser.get(section, "file_template", fallback=None)
    return value.strip() or None if value is not None else None


def _message(message: str | None) -> str:
    """The new revision's message: the original's first line, made safe for a docstring."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    first = re.sub(r"[\\\"\x00-\x1f\x7f]", "", first).strip()
    return f"{first}, after the data script" if first else "schema changes after the data script"


def _relative_to(path: Path, original: Path) -> str:
    """How the comment in the original names the new file: beside it, or its path under it."""
    try:
        return path.relative_to(original.parent).as_posix()
    except ValueError:
        return path.name


# -- the new file --------------------------------------------------------------------------


def _render(original: FollowUpInput, revision: str, message: str) -> str:
    source, tree = original.source, original.tree
    lines = split_lines(source)
    upgrade = _function(tree, "upgrade")
    downgrade = _function(tree, "downgrade")
    annotation = " -> None" if upgrade is not None and upgrade.returns is not None else ""
    indent = _indent_of(lines, original.deferred[0])
    deferred = [_segment(lines, s) for s in original.deferred]
    inverse = [_segment(lines, s) for s in original.inverse]
    helpers = _local_helpers(upgrade, original.deferred)
    inverse_helpers = _local_helpers(downgrade, original.inverse)
    used = _loaded([*original.deferred, *original.inverse, *helpers, *inverse_helpers])
    imports, module_defs = _module_needs(tree, lines, used)
    script = original.script
    head = [
        f'"""{message}',
        "",
        f"Revision ID: {revision}",
        f"Revises: {original.revision}",
        f"Create Date: {original.today.isoformat()}",
        "",
        *_wrap(
            f"Deploy this revision only after {script} has run on the database: ddlguard "
            f"split it out of revision {original.revision}, whose data change moved to that "
            f"script. Deploy in three steps: `alembic upgrade {original.revision}`, then "
            f"`{original.command}`, then `alembic upgrade head`."
        ),
        '"""',
        "from alembic import op",
        "import sqlalchemy as sa",
    ]
    head += [line for line in imports if line not in head]
    body = [
        *head,
        "",
        *module_defs,
        "# revision identifiers, used by Alembic.",
        f'revision = "{revision}"',
        f'down_revision = "{original.revision}"',
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        f"def upgrade(){annotation}:",
        f"{indent}{GUARD_FUNCTION}()",
        *[line for stmt in helpers for line in _segment(lines, stmt)],
        *[line for segment in deferred for line in segment],
        "",
        "",
        f"def downgrade(){annotation}:",
    ]
    if inverse:
        body += [line for stmt in inverse_helpers for line in _segment(lines, stmt)]
        body += [line for segment in inverse for line in segment]
    else:
        body += [
            f"{indent}# The inverse of the operations above was not found in revision",
            f"{indent}# {original.revision}'s downgrade(), which still undoes them (ddlguard).",
            f"{indent}pass",
        ]
    body += [
        "",
        "",
        *guard_function(
            original.guard, script, original.revision, indent, command=original.command
        ),
    ]
    return "\n".join(body) + "\n"


def guard_function(
    guard: Guard,
    script: str,
    original_revision: str,
    indent: str,
    name: str = GUARD_FUNCTION,
    *,
    command: str,
) -> list[str]:
    """The guard as a module-level function (also what a later new revision gets); `command`
    runs the script (`script.run_command`)."""
    stop = _wrap(
        f"{script} has not run on this database yet, or left rows the next schema change "
        f"rejects: {{}}. Deploy in three steps: `alembic upgrade {original_revision}`, then "
        f"`{command}`, then `alembic upgrade head` "
        f"(on PostgreSQL, run in one transaction as Alembic does by default, this failed "
        f"`alembic upgrade head` rolled back to where it began).",
        keep_spaces=True,
    )
    i = indent
    lines = [
        f"def {name}():",
        f'{i}"""Stop before the schema changes while {script} has not run (ddlguard)."""',
        f"{i}from alembic import context, op",
        f"{i}from sqlalchemy import text",
        "",
        f"{i}if context.is_offline_mode():",
        f"{i}{i}return  # `alembic upgrade --sql` has no database to look at",
        f"{i}bind = op.get_bind()",
        f"{i}stop = (",
        *[f"{i}{i}{part!r}" for part in stop],
        f"{i})",
    ]
    for check in guard.checks:
        lines += [
            f"{i}found = bind.execute(text({_text_literal(check.sql)})).first()  # noqa: DG005",
            f"{i}if found is not None:",
            f"{i}{i}raise RuntimeError(stop.format({check.why!r}))",
        ]
    return lines


def _wrap(text: str, *, keep_spaces: bool = False) -> list[str]:
    """Lines of at most ~88 characters, never breaking a path or a command inside backticks."""
    lines = textwrap.wrap(text, 88, break_long_words=False, break_on_hyphens=False)
    if keep_spaces:  # parts of one string literal: the space between them must stay
        return [line + " " for line in lines[:-1]] + lines[-1:]
    return lines


def _text_literal(sql: str) -> str:
    """The SQL as a Python literal for `text()`: colons that text() would bind are escaped."""
    escaped = TextClause._bind_params_regex.sub(lambda m: "\\:" + m.group(1), sql)
    return repr(escaped)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
            return stmt
    return None


def _indent_of(lines: Sequence[str], stmt: ast.stmt) -> str:
    line = lines[stmt.lineno - 1]
    return line[: len(line) - len(line.lstrip())] or "    "


def _segment(lines: Sequence[str], stmt: ast.stmt) -> list[str]:
    """The statement's whole lines, with the comment lines right above it."""
    first = stmt.lineno
    while first > 1 and lines[first - 2].strip().startswith("#"):
        if lines[first - 2].strip().endswith("(ddlguard)."):
            break
        first -= 1
    end = stmt.end_lineno or stmt.lineno
    return list(lines[first - 1 : end])


def _height(stmt: ast.stmt) -> int:
    return (stmt.end_lineno or stmt.lineno) - stmt.lineno + 1


def _loaded(nodes: Iterable[ast.AST]) -> set[str]:
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _assigned(stmt: ast.stmt) -> set[str]:
    return {
        n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _local_helpers(function: ast.FunctionDef | None, moved: Sequence[ast.stmt]) -> list[ast.stmt]:
    """Assignments earlier in the function that the moved statements read: copied along.

    Only pure ones (a bind, a table definition, SQL text) may be copied; anything else would
    run twice, so the split is refused.
    """
    if function is None or not moved:
        return []
    first = moved[0]
    before = [s for s in function.body if s.lineno < first.lineno]
    needed = _loaded(moved) - set().union(*(_assigned(s) for s in moved))
    chosen: list[ast.stmt] = []
    for stmt in reversed(before):
        names = _assigned(stmt) & needed
        if not names:
            continue
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if value is None or not is_pure(value):
            raise NotMovable(
                f"the deferred operations use {', '.join(sorted(names))}, set by a statement "
                f"that cannot run twice (line {stmt.lineno})"
            )
        chosen.append(stmt)
        needed = (needed - names) | _loaded([stmt])
    chosen.reverse()
    return chosen


def _module_needs(
    tree: ast.Module, lines: Sequence[str], used: set[str]
) -> tuple[list[str], list[str]]:
    """Import lines and module-level definitions the moved code reads, from the original."""
    imports: list[str] = []
    definitions: list[str] = []
    wanted = set(used)
    chosen: list[ast.stmt] = []
    for stmt in reversed(tree.body):  # definitions may use earlier ones: walk back, grow
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = {stmt.name}
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            names = _assigned(stmt)
        else:
            continue
        if names & {"revision", "down_revision", "branch_labels", "depends_on"}:
            continue
        if names & wanted and not (names & {"upgrade", "downgrade"}):
            chosen.append(stmt)
            wanted |= _loaded([stmt])
    for stmt in reversed(chosen):
        definitions += [*lines[stmt.lineno - 1 : stmt.end_lineno], "", ""]
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            kept = [a for a in stmt.names if (a.asname or a.name).split(".")[0] in wanted]
            imports += [f"import {a.name}" + (f" as {a.asname}" if a.asname else "") for a in kept]
        elif isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
            kept = [a for a in stmt.names if (a.asname or a.name) in wanted and a.name != "*"]
            if kept:
                listed = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in kept)
                module = "." * stmt.level + (stmt.module or "")
                imports.append(f"from {module} import {listed}")
    return imports, definitions


# -- other files ---------------------------------------------------------------------------


def reparent(child: ChildMigration, old: str, new: str) -> FileEdit:
    """The child's `down_revision` naming `old` now names `new` (and its "Revises:" line).

    Exact literal edits: the string's quotes and every other byte stay; tuples of parents keep
    their other members. A child whose `down_revision` cannot be read gets NotMovable.
    """
    bom = "\ufeff" if child.source.startswith("\ufeff") else ""
    text = child.source[len(bom) :]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        raise NotMovable(f"the child revision {child.path.name} does not parse ({exc})") from None
    lines = split_lines(text)
    spans: list[tuple[int, int, int]] = []  # (line, start, end) in code points
    for stmt in tree.body:
        value = _assignment_value(stmt, "down_revision")
        if value is None:
            continue
        members = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        for node in members:
            if isinstance(node, ast.Constant) and node.value == old and node.end_lineno:
                line = lines[node.lineno - 1]
                start = utf8_to_codepoints(line, node.col_offset)
                end = utf8_to_codepoints(lines[node.end_lineno - 1], node.end_col_offset or 0)
                if node.end_lineno != node.lineno:
                    raise NotMovable(f"{child.path.name}: down_revision spans lines")
                literal = line[start:end]
                if literal[1:-1] != old:  # a prefix, escapes or implicit concatenation
                    raise NotMovable(f"{child.path.name}: down_revision is not a plain string")
                spans.append((node.lineno, start + 1, end - 1))
    if not spans:
        raise NotMovable(f"{child.path.name} does not name {old} in down_revision")
    docstring = ast.get_docstring(tree, clean=False)
    doc_end = tree.body[0].end_lineno if docstring is not None and tree.body else 0
    for number in range(1, (doc_end or 0) + 1):
        line = lines[number - 1]
        match = re.match(r"(\s*Revises:\s*)(.*)$", line)
        if match and old in re.split(r"[,\s]+", match.group(2)):
            for found in re.finditer(rf"(?<![\w.+-]){re.escape(old)}(?![\w.+-])", line):
                spans.append((number, found.start(), found.end()))
    new_text = _splice(text, spans, new)
    return FileEdit(child.path, child.source, bom + new_text, line_edits(text, new_text))


def _assignment_value(stmt: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in stmt.targets
    ):
        return stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.value if stmt.target.id == name else None
    return None


def _splice(text: str, spans: list[tuple[int, int, int]], replacement: str) -> str:
    """Replace each (line, start, end) span of `text`, keeping every line ending as it was."""
    pieces = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    for number, start, end in sorted(set(spans), reverse=True):
        line = pieces[number - 1]
        pieces[number - 1] = line[:start] + replacement + line[end:]
    return "".join(pieces)


def guard_revision(
    child: ChildMigration, guard: Guard, script: str, original_revision: str, dialect: str
) -> FileEdit:
    """A later new revision that holds the dependent operation gets the guard first in upgrade()."""
    bom = "\ufeff" if child.source.startswith("\ufeff") else ""
    text = child.source[len(bom) :]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        raise NotMovable(f"{child.path.name} does not parse ({exc})") from None
    upgrade = _function(tree, "upgrade")
    if upgrade is None or not upgrade.body:
        raise NotMovable(f"{child.path.name} has no upgrade() to guard")
    defined = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    for function in defined.values():
        doc = ast.get_docstring(function) or ""
        if function.name.startswith(GUARD_FUNCTION) and f"while {script} has" in doc:
            return FileEdit(child.path, child.source, child.source, ())  # already guarded
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(defined)
    name = next(
        candidate
        for candidate in (GUARD_FUNCTION, *(f"{GUARD_FUNCTION}_{n}" for n in range(2, 100)))
        if candidate not in names
    )  # a second script guarding the same revision gets a guard of its own
    lines = split_lines(text)
    first = upgrade.body[0]
    if first.lineno == upgrade.lineno:
        raise NotMovable(f"{child.path.name}: upgrade()'s body is on its def line")
    docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    indent = _indent_of(lines, first)
    if docstring:  # the call goes right after upgrade()'s docstring
        at = first.end_lineno or first.lineno
    else:  # before the first statement and the comments above it
        at = first.lineno - 1 - (len(_segment(lines, first)) - _height(first))
    newline = "\r\n" if "\r\n" in text else "\n"
    pieces = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    pieces.insert(at, f"{indent}{name}(){newline}")
    if pieces and not pieces[-1].endswith(("\n", "\r")):
        pieces[-1] += newline
    helper = guard_function(
        guard, script, original_revision, indent, name, command=run_command(dialect, script)
    )
    pieces.append(newline + newline + newline.join(helper) + newline)
    new_text = "".join(pieces)
    try:
        ast.parse(new_text)
    except SyntaxError as exc:
        raise NotMovable(f"ddlguard could not guard {child.path.name} ({exc.msg})") from None
    return FileEdit(child.path, child.source, bom + new_text, line_edits(text, new_text))
