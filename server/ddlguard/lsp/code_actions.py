"""Code actions: move to scripts/sql (or split), move all, ignore on this line, docs, fix all.

Actions carry `data` and, when the client can resolve them lazily, no edit; `codeAction/resolve`
computes the edit against the analysed version of the document (the TextDocumentEdit carries
that version, so a client refuses it if the text moved on). Listing asks the planner what it
would do with each movable finding (remembered per document version), because the title says
it: a plain move, a split ("… and defer alter_column(nullable=False) to a new revision"), or
nothing at all when the planner refuses. `source.fixAll.ddlguard` applies safe fixes only:
moving data is unsafe and never part of it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ddlguard.hygiene import checklist_edit
from ddlguard.lsp import move
from ddlguard.lsp.diagnostics import SOURCE, range_from_list
from ddlguard.lsp.documents import Good, uri_to_path
from ddlguard.lsp.noqa_edit import noqa_edit
from ddlguard.model import Applicability, Finding
from ddlguard.project import ConfigError
from ddlguard.rules import RULES

if TYPE_CHECKING:
    from ddlguard.fix import FixPlan

log = logging.getLogger("ddlguard.lsp")

FIX_ALL_KIND = "source.fixAll.ddlguard"
SHOW_DOCS = "ddlguard.showDocumentation"
APPLY_MOVE = "ddlguard.applyMove"
QUICKFIX = types.CodeActionKind.QuickFix


@dataclass(frozen=True, slots=True)
class ClientSupport:
    """What the client can do with code actions and workspace edits."""

    resolve_edit: bool
    document_changes: bool
    create_files: bool

    @classmethod
    def of(cls, caps: types.ClientCapabilities) -> ClientSupport:
        action = caps.text_document.code_action if caps.text_document else None
        resolve = action.resolve_support if action else None
        edit = caps.workspace.workspace_edit if caps.workspace else None
        ops = (
            [str(getattr(op, "value", op)) for op in (edit.resource_operations or [])]
            if edit
            else []
        )
        # resource operations only travel in documentChanges: a client announcing `create`
        # (Neovim does, without `documentChanges: true`) takes them
        return cls(
            resolve_edit=bool(resolve and "edit" in resolve.properties),
            document_changes=bool(edit and (edit.document_changes or ops)),
            create_files="create" in ops,
        )


def _wants(only: list[str] | None, kind: str) -> bool:
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def finding_for(good: Good, data: dict[str, Any]) -> Finding | None:
    """The finding a diagnostic's `data` stands for, in the analysed version `good`.

    The same range first; when the text changed since the diagnostic was published, the
    finding with the same code and message nearest to where it was.
    """
    code, rng = data.get("code"), range_from_list(data.get("range"))
    same = [f for f in good.analysis.findings if f.code == code]
    for f in same:
        if f.range == rng:
            return f
    if rng is None or data.get("version") == good.version:
        return None
    moved = [f for f in same if f.message == data.get("message")]
    return min(moved, key=lambda f: abs(f.range.start.line - rng.start.line), default=None)


def list_actions(
    params: types.CodeActionParams, good: Good | None, support: ClientSupport
) -> list[types.CodeAction]:
    """Actions for the diagnostics in the request (and fix-all when asked for)."""
    uri = params.text_document.uri
    only = [str(k) for k in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []
    movable_in_file = [f for f in good.analysis.findings if move.movable(f)] if good else []
    can_move = good is not None and good.analysis.context is not None and move.planner_available()
    if _wants(only, QUICKFIX):
        for diag in params.context.diagnostics:
            if (
                diag.source != SOURCE
                or not isinstance(diag.data, dict)
                or not isinstance(diag.code, str)
            ):
                continue
            actions.extend(_for_diagnostic(uri, diag, good, can_move, len(movable_in_file)))
    if _wants(only, FIX_ALL_KIND) and only is not None:
        actions.append(
            types.CodeAction(
                title="ddlguard: fix all safe problems",
                kind=FIX_ALL_KIND,
                data={"uri": uri, "action": "fixAll"},
            )
        )
    if not support.resolve_edit:  # the client wants edits now; a move that plans to nothing goes
        actions = [resolve(a, good, support) for a in actions]
        actions = [a for a in actions if a.edit is not None or a.command is not None]
    return actions


def _for_diagnostic(
    uri: str, diag: types.Diagnostic, good: Good | None, can_move: bool, movable_count: int
) -> list[types.CodeAction]:
    data: dict[str, Any] = diag.data if isinstance(diag.data, dict) else {}
    code = str(diag.code)
    out: list[types.CodeAction] = []
    fix = data.get("fix") or {}
    finding = finding_for(good, data) if good and can_move else None
    if good and finding is not None and fix.get("applicability") == "unsafe":
        title = move_title(uri, good, finding, data)
        if title is not None:
            out.append(
                types.CodeAction(
                    title=title,
                    kind=QUICKFIX,
                    diagnostics=[diag],
                    is_preferred=True,
                    data={"uri": uri, "action": "move", "diagnostic": data},
                )
            )
    if (
        good
        and can_move
        and movable_count > 1
        and fix.get("applicability") == "unsafe"
        and _moves_several(uri, good)
    ):
        out.append(
            types.CodeAction(
                title="Move all data operations in this file to scripts/sql",
                kind=QUICKFIX,
                diagnostics=[diag],
                data={"uri": uri, "action": "moveAll"},
            )
        )
    out.append(
        types.CodeAction(
            title=f"Ignore {code} on this line",
            kind=QUICKFIX,
            diagnostics=[diag],
            data={"uri": uri, "action": "noqa", "diagnostic": data},
        )
    )
    if code in RULES:
        out.append(
            types.CodeAction(
                title=f"Show documentation for {code}",
                kind=QUICKFIX,
                diagnostics=[diag],
                data={"uri": uri, "action": "docs", "code": code},
            )
        )
    return out


_PLANS: OrderedDict[tuple[str, int | None, tuple[tuple[str, object], ...]], FixPlan | None] = (
    OrderedDict()
)
_PLANS_LOCK = threading.Lock()
_PLANS_KEPT = 64


def _planned(uri: str, good: Good, findings: list[Finding]) -> FixPlan | None:
    """The planner's answer for these findings of this document version (remembered: the
    client asks for actions again whenever the cursor moves)."""
    key = (uri, good.version, tuple((f.code, f.range) for f in findings))
    with _PLANS_LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return _PLANS[key]
    try:
        fix_plan: FixPlan | None = move.plan(good.text, good.analysis, uri_to_path(uri), findings)
    except ConfigError as exc:
        log.warning("cannot move: %s", exc)
        fix_plan = None
    except Exception:  # a planner bug costs the move action, never the other actions
        log.exception("planning the move of %s in %s failed", findings[0].code, uri)
        fix_plan = None
    with _PLANS_LOCK:
        _PLANS[key] = fix_plan
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return fix_plan


def _moves_several(uri: str, good: Good) -> bool:
    """Whether planning every movable finding of the file moves more than one of them: on a
    migration the history rule protects, or where all but one are refused, "Move all" would
    move nothing more than the single action does."""
    fix_plan = _planned(uri, good, [f for f in good.analysis.findings if move.movable(f)])
    return fix_plan is not None and len(fix_plan.moved) > 1


def moving_with(uri: str, good: Good, finding: Finding) -> list[Finding]:
    """What the quick fix on `finding` moves: the finding itself, or, when it can only move
    chained with the file's other backfills (several data statements before one follow-up
    revision, docs/fixes.md "Chaining"), that chain, so the action is not refused."""
    from ddlguard.fix.model import Outcome

    alone = _planned(uri, good, [finding])
    decision = move.decision_for(alone, finding) if alone is not None else None
    if alone is None or (
        alone.moved and (decision is None or decision.outcome is not Outcome.REFUSE)
    ):
        return [finding]
    movable = [f for f in good.analysis.findings if move.movable(f)]
    whole = _planned(uri, good, movable) if len(movable) > 1 else None
    if whole is None:
        return [finding]
    chain = [
        f
        for f in movable
        if (d := move.decision_for(whole, f)) is not None and d.outcome is Outcome.SPLIT
    ]
    return chain if finding in chain and len(chain) > 1 else [finding]


def move_title(uri: str, good: Good, finding: Finding, data: dict[str, Any]) -> str | None:
    """The move's title from what the planner would do; None when it refuses (no action)."""
    from ddlguard.fix.model import Outcome

    findings = moving_with(uri, good, finding)
    statement = data.get("statement") or "the data operation"
    if len(findings) > 1:
        statement = f"{statement} and {len(findings) - 1} more data operation(s)"
    fix_plan = _planned(uri, good, findings)
    if fix_plan is None or not fix_plan.moved:
        return None
    scripts = [f.relative for f in fix_plan.new_files if f.path.suffix == ".sql"]
    script = scripts[0] if scripts else "scripts/sql"
    decision = move.decision_for(fix_plan, finding)
    later = decision is not None and decision.dependent_path is not None and decision.follow_up
    if decision is not None and (decision.outcome is Outcome.SPLIT or later):
        return move.split_title(statement, script, fix_plan, decision)
    if decision is not None and decision.outcome is Outcome.REFUSE:
        return None
    return f"Move {statement} to {script}"


def resolve(
    action: types.CodeAction, good: Good | None, support: ClientSupport
) -> types.CodeAction:
    """Fill in the action's edit (or command); unknown or stale actions come back unchanged."""
    data = action.data if isinstance(action.data, dict) else {}
    kind = data.get("action")
    uri = str(data.get("uri"))
    if kind == "fixAll":
        action.edit = _fix_all(uri, good, support)
        return action
    if kind == "docs":
        code = str(data.get("code"))
        action.command = types.Command(
            title=f"Show documentation for {code}", command=SHOW_DOCS, arguments=[code]
        )
        return action
    if good is None:
        return action
    if kind == "noqa":
        action.edit = _noqa(uri, good, data.get("diagnostic") or {}, support)
    elif kind in ("move", "moveAll"):
        if kind == "move":
            finding = finding_for(good, data.get("diagnostic") or {})
            findings = moving_with(uri, good, finding) if finding else []
        else:
            findings = [f for f in good.analysis.findings if move.movable(f)]
        if findings:
            _move(action, uri, good, findings, support)
    return action


def _edit(
    uri: str, version: int | None, edits: list[types.TextEdit], support: ClientSupport
) -> types.WorkspaceEdit:
    return move.document_edit(uri, version, edits, support.document_changes)


def _fix_all(uri: str, good: Good | None, support: ClientSupport) -> types.WorkspaceEdit:
    """Safe fixes only (today: removing the template's review checklist, DG201); moving data is
    unsafe and never happens here."""
    safe = [
        f
        for f in (good.analysis.findings if good else [])
        if f.fix is not None and f.fix.applicability is Applicability.SAFE
    ]
    if good is None or not any(f.code == "DG201" for f in safe):
        return types.WorkspaceEdit(changes={})
    found = checklist_edit(good.text.source)
    if found is None:
        return types.WorkspaceEdit(changes={})
    rng, new_text = found
    edit = types.TextEdit(range=good.text.to_lsp_range(rng), new_text=new_text)
    return _edit(uri, good.version, [edit], support)


def _noqa(
    uri: str, good: Good, data: dict[str, Any], support: ClientSupport
) -> types.WorkspaceEdit | None:
    code = data.get("code")
    statement = range_from_list(data.get("statementRange"))
    if data.get("version") != good.version:  # the text moved on: find the finding again
        finding = finding_for(good, data)
        statement = (finding.statement_range or finding.range) if finding else None
    if statement is None or not isinstance(code, str):
        return None
    edit = noqa_edit(good.text.source, statement, code)
    if edit is None:
        return types.WorkspaceEdit(changes={})
    lsp_edit = types.TextEdit(range=good.text.to_lsp_range(edit.range), new_text=edit.new_text)
    return _edit(uri, good.version, [lsp_edit], support)


def _move(
    action: types.CodeAction, uri: str, good: Good, findings: list[Finding], support: ClientSupport
) -> None:
    try:  # planned afresh, not from `_planned`: a script name may have been taken since
        fix_plan = move.plan(good.text, good.analysis, uri_to_path(uri), findings)
    except ConfigError as exc:
        log.warning("cannot move: %s", exc)
        return
    if not fix_plan.moved:
        return
    if support.create_files:
        action.edit = move.workspace_edit(good.text, uri, good.version, fix_plan)
    else:
        action.command = types.Command(
            title=action.title,
            command=APPLY_MOVE,
            arguments=[{"uri": uri, "version": good.version, "action": action.data}],
        )
