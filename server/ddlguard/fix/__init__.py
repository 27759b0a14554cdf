"""The fix engine: move data operations out of migrations into reviewed `scripts/sql` files.

`plan_moves` is the one entry point (see docs/fixes.md); the CLI writes its `FixPlan`, the
language server turns it into one WorkspaceEdit.
"""

from ddlguard.fix.edits import apply_text_edits
from ddlguard.fix.model import FixPlan, Moved, NewFile, Skipped, TextEdit
from ddlguard.fix.planner import MOVABLE_CODES, plan_moves

__all__ = [
    "MOVABLE_CODES",
    "FixPlan",
    "Moved",
    "NewFile",
    "Skipped",
    "TextEdit",
    "apply_text_edits",
    "plan_moves",
]
