"""The move of data operations to `scripts/sql`, as the editor applies it.

The fix planner (`ddlguard.fix`) computes the plan: edits to the migration and new script
files. Here it becomes either one WorkspaceEdit (CreateFile with `overwrite: false`,
`ignoreIfExists: false`, the script's text, and the migration's edits with the document
version) so one undo reverts it, or, for clients without `resourceOperations: create`, a
server command that creates the scripts exclusively (`open(..., "x")`, never overwriting) and
then asks the client to apply the migration's edits (undoable in the editor); scripts created
for an edit the client refuses are removed again.
"""

from __future__ import annotations

import datetime
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from ddlguard.lsp.analysis import Analysis
from ddlguard.lsp.text import DocText
from ddlguard.model import Applicability, Finding
from ddlguard.project import ConfigError

if TYPE_CHECKING:
    from ddlguard.fix import FixPlan

log = logging.getLogger("ddlguard.lsp")


def planner_available() -> bool:
    """True when the fix planner is part of the installed package."""
    return importlib.util.find_spec("ddlguard.fix.planner") is not None


def movable(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def plan(text: DocText, analysis: Analysis, path: Path, findings: Sequence[Finding]) -> FixPlan:
    """The planner's FixPlan for moving `findings` out of this version of the document."""
    from ddlguard.fix import plan_moves

    assert analysis.context is not None
    return plan_moves(
        text.source,
        path,
        list(findings),
        project=analysis.context.project,
        settings=analysis.context.settings,
        today=datetime.date.today(),
        exists=Path.exists,
    )


def script_name(analysis: Analysis, path: Path, phase: object) -> str | None:
    """`scripts/sql/2025-01-31-add-users.sql` as the move would name it (for the action title)."""
    from ddlguard.fix.naming import migration_slug, script_names

    context = analysis.context
    if context is None:
        return None
    try:
        folder = context.project.scripts_dir(context.settings.scripts_dir)
    except ConfigError:
        return None
    info = analysis.result.info
    slug = migration_slug(info.message if info else None, path)
    down = phase == "downgrade"
    up_path, down_path = script_names(
        folder, datetime.date.today(), slug, upgrade=not down, downgrade=down, exists=Path.exists
    )
    chosen = down_path if down else up_path
    if chosen is None:
        return None
    try:
        return chosen.relative_to(context.project.root.resolve()).as_posix()
    except ValueError:
        return chosen.name


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
    """One WorkspaceEdit: each script created (never over an existing file) and filled, then
    the migration's edits against the analysed version."""
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
    return types.WorkspaceEdit(document_changes=changes)


def migration_edit(
    text: DocText, uri: str, version: int | None, fix_plan: FixPlan, document_changes: bool
) -> types.WorkspaceEdit:
    """Only the migration's edits (the fallback, after the scripts were written)."""
    return document_edit(uri, version, _text_edits(text, fix_plan), document_changes)


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
