"""The move of data operations to `scripts/sql`, as the editor applies it.

The fix planner (`ddlguard.fix`) computes the plan from the document and what the server
knows of the revision graph (the sibling files on disk, through `revision_context`): edits to
the migration, new files (the scripts and, for a split, the follow-up revision) and edits to
other files (children re-parented, a later revision given the guard). Here it becomes either
one WorkspaceEdit (a CreateFile with `overwrite: false`, `ignoreIfExists: false` and the text
of each new file, the migration's edits with the document version, the other files' edits) so
one undo reverts it, or, for clients without `resourceOperations: create`, a server command
that creates the new files exclusively (`open(..., "x")`, never overwriting) and then asks the
client to apply the edits (undoable in the editor); files created for an edit the client
refuses are removed again.
"""

from __future__ import annotations

import ast
import datetime
import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from ddlguard.lsp.analysis import Analysis
from ddlguard.lsp.text import DocText
from ddlguard.model import Applicability, Finding
from ddlguard.project import ConfigError
from ddlguard.safe_write import name_taken

if TYPE_CHECKING:
    from ddlguard.fix import FixPlan
    from ddlguard.fix.model import Decision, FileEdit, RevisionContext

log = logging.getLogger("ddlguard.lsp")


def planner_available() -> bool:
    """True when the fix planner is part of the installed package."""
    return importlib.util.find_spec("ddlguard.fix.planner") is not None


def movable(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def plan(
    text: DocText,
    analysis: Analysis,
    path: Path,
    findings: Sequence[Finding],
    read: Callable[[Path], str | None] | None = None,
) -> FixPlan:
    """The planner's FixPlan for moving `findings` out of this version of the document.

    `read` gives another file's current text (an open document's, else the disk's); the
    planner reads the children it re-parents and the later revisions it looks into with it.
    """
    from ddlguard.fix import plan_moves

    assert analysis.context is not None
    return plan_moves(
        text.source,
        path,
        list(findings),
        project=analysis.context.project,
        settings=analysis.context.settings,
        today=datetime.date.today(),
        exists=name_taken,
        context=revision_context_for(analysis, path, read or read_disk),
    )


def read_disk(path: Path) -> str | None:
    """A file's text as the editor would show it (a BOM kept, so edits apply to it exactly)."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def revision_context_for(
    analysis: Analysis, path: Path, read: Callable[[Path], str | None]
) -> RevisionContext | None:
    """What the revision graph says about this document: the siblings' headers from disk
    (cached by mtime), the document's own from its current text; `diff-base` decides which
    files are new, else only a head is."""
    from ddlguard.fix.context import revision_context
    from ddlguard.fix.followup import file_template_of
    from ddlguard.graph import read_info, revision_files
    from ddlguard.selection import changed_files

    context = analysis.context
    if context is None:
        return None
    me = path.resolve()
    graph = []
    for sibling in revision_files(context.project, [path.parent]):
        resolved = sibling.resolve()
        info = read_info(resolved) if resolved != me else None
        if info is not None:
            graph.append((resolved, info))
    new_paths = None
    diff_base = context.settings.diff_base
    if diff_base:
        try:
            new_paths = changed_files(diff_base, Path.cwd())
        except ConfigError as exc:
            log.warning("diff-base: %s; only heads count as new", exc)
    template = None
    ini = context.project.alembic_ini
    if ini is not None:
        ini_text = read_disk(ini)
        template = file_template_of(ini_text) if ini_text is not None else None
    found = revision_context(
        me,
        analysis.result.info,
        graph,
        new_paths=new_paths,
        read=read,
        file_template=template,
        diff_base=diff_base,
    )
    # one migration at a time, as the CLI names a single file's scripts: `{date}-{slug}.sql`
    return replace(found, order=None)


def refusals(text: DocText, analysis: Analysis, path: Path) -> list[Decision]:
    """The refused moves of this document whose reason is a dependent statement (for the
    diagnostics' related information); one plan of every movable finding, off the event loop."""
    from ddlguard.fix.model import Outcome

    findings = [f for f in analysis.findings if movable(f)]
    if not findings or analysis.context is None or not planner_available():
        return []
    try:
        fix_plan = plan(text, analysis, path, findings)
    except ConfigError:
        return []
    return [
        d for d in fix_plan.decisions if d.outcome is Outcome.REFUSE and d.dependent is not None
    ]


def related_information(
    decision: Decision, uri: str, text: DocText
) -> types.DiagnosticRelatedInformation | None:
    """Where the statement that keeps the data in the migration is, and why."""
    if decision.dependent is None:
        return None
    target, where = uri, text
    if decision.dependent_path is not None:
        source = read_disk(decision.dependent_path)
        if source is None:
            return None
        target, where = _uri(decision.dependent_path), DocText.of(source, text.encoding)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=target, range=where.to_lsp_range(decision.dependent)),
        message=f"not moved: {decision.reason}",
    )


def decision_for(fix_plan: FixPlan, finding: Finding) -> Decision | None:
    return next((d for d in fix_plan.decisions if d.finding == finding), None)


def split_title(statement: str, script: str, fix_plan: FixPlan, decision: Decision) -> str:
    """`Move UPDATE on users to scripts/sql/… and defer alter_column(nullable=False) to a new
    revision` (or to revision X, when the dependent operation already sits in a later one)."""
    deferred = describe_operation(fix_plan.source, decision)
    revision_file = any(f.path.suffix == ".py" for f in fix_plan.new_files)
    where = "a new revision" if revision_file else f"revision {decision.follow_up}"
    if not revision_file:
        return f"Move {statement} to {script}, to run before {where}"
    return f"Move {statement} to {script} and defer {deferred} to {where}"


def describe_operation(source: str, decision: Decision) -> str:
    """The dependent operation as a reader knows it: `alter_column(nullable=False)`."""
    rng = decision.dependent
    if rng is None or decision.dependent_path is not None:
        return "the schema changes that need it"
    lines = source.lstrip("\ufeff").splitlines()
    text = "\n".join(lines[rng.start.line - 1 : rng.end.line])
    try:
        node = ast.parse(text.strip()).body[0]
    except (SyntaxError, IndexError, ValueError):
        return "the schema changes that need it"
    call = node.value if isinstance(node, ast.Expr) else None
    if not isinstance(call, ast.Call):
        return "the schema changes that need it"
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "the operation")
    sql = _sql_argument(call) if name in ("execute", "exec_driver_sql") else None
    if sql is not None:  # op.execute("ALTER TABLE users ..."): its first words say what it is
        words = sql.split()
        return f"{name}({' '.join(words[:3])}{' …' if len(words) > 3 else ''})"
    shown = [
        f"{k.arg}={k.value.value!r}"
        for k in call.keywords
        if k.arg
        and not k.arg.startswith("existing_")
        and isinstance(k.value, ast.Constant)
        and isinstance(k.value.value, (bool, int, type(None)))
    ]
    return f"{name}({', '.join(shown)})"


def _sql_argument(call: ast.Call) -> str | None:
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Call) and arg.args:  # sa.text("...")
        arg = arg.args[0]
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _text_edits(text: DocText, fix_plan: FixPlan) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=text.to_lsp_range(edit.range), new_text=edit.new_text)
        for edit in fix_plan.edits
    ]


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def workspace_edit(
    text: DocText, uri: str, version: int | None, fix_plan: FixPlan
) -> types.WorkspaceEdit:
    """One WorkspaceEdit: each new file (scripts, a follow-up revision) created, never over an
    existing file, and filled; the migration's edits against the analysed version; then the
    other files' edits (children re-parented)."""
    changes: list[types.CreateFile | types.TextDocumentEdit] = []
    for new in fix_plan.new_files:
        new_uri = _uri(new.path)
        changes.append(
            types.CreateFile(
                uri=new_uri,
                options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
            )
        )
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=new_uri, version=None
                ),
                edits=[
                    types.TextEdit(
                        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                        new_text=new.content,
                    )
                ],
            )
        )
    changes.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=_text_edits(text, fix_plan),
        )
    )
    changes += [_other_edit(edit, text.encoding) for edit in fix_plan.other_edits]
    return types.WorkspaceEdit(document_changes=changes)


def _other_edit(edit: FileEdit, encoding: str) -> types.TextDocumentEdit:
    """Edits to another file, against the text the planner read (no version: it may be closed)."""
    other = DocText.of(edit.source, encoding)
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(
            uri=_uri(edit.path), version=None
        ),
        edits=[
            types.TextEdit(range=other.to_lsp_range(e.range), new_text=e.new_text)
            for e in edit.edits
        ],
    )


def migration_edit(
    text: DocText, uri: str, version: int | None, fix_plan: FixPlan, document_changes: bool
) -> types.WorkspaceEdit:
    """The edits without the new files (the fallback, after those were written): the
    migration's and the other files' (children re-parented)."""
    edit = document_edit(uri, version, _text_edits(text, fix_plan), document_changes)
    if not fix_plan.other_edits:
        return edit
    others = [_other_edit(e, text.encoding) for e in fix_plan.other_edits]
    if edit.document_changes is not None:
        edit.document_changes = [*edit.document_changes, *others]
    elif edit.changes is not None:
        changes = dict(edit.changes)
        for other in others:
            changes[other.text_document.uri] = [
                e for e in other.edits if isinstance(e, types.TextEdit)
            ]
        edit.changes = changes
    return edit


def document_edit(
    uri: str, version: int | None, edits: list[types.TextEdit], document_changes: bool
) -> types.WorkspaceEdit:
    """Edits to one document: versioned `documentChanges` when the client has them, else `changes`."""
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=edits,
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: edits})


def write_scripts_exclusively(fix_plan: FixPlan) -> list[Path]:
    """Create each new script with O_EXCL; on any failure remove what was created and raise."""
    created: list[Path] = []
    try:
        for new in fix_plan.new_files:
            new.path.parent.mkdir(parents=True, exist_ok=True)
            with open(new.path, "x", encoding="utf-8", newline="") as fh:
                created.append(new.path)
                fh.write(new.content)
    except OSError:
        remove(created)
        raise
    return created


def remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except OSError:
            log.warning("could not remove %s after a refused edit", path)
