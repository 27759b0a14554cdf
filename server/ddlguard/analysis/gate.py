"""The detector's entry point, which loads the detector only for a file that needs it.

Most migrations only change the schema and never spell an executing method: for them
`detect` answers without importing the detector, its abstract evaluator and the SQL
classifier (about a fifth of a one-file `ddlguard check`, docs/performance.md).
"""

from __future__ import annotations

import ast

from ddlguard.analysis.prescan import mentions
from ddlguard.model import Finding

EXEC_METHODS = frozenset({"execute", "exec_driver_sql", "scalar", "scalars", "executemany"})
ORM_METHODS = frozenset(
    {
        "query",
        "add",
        "add_all",
        "merge",
        "delete",
        "flush",
        "commit",
        "execute",
        "scalar",
        "scalars",
        "get",
    }
)
INTERESTING = EXEC_METHODS | ORM_METHODS
PREFIXES = ("bulk_",)  # session.bulk_save_objects(...), bulk_insert_mappings(...)


def detect(tree: ast.Module, source: str, *, dialect: str = "postgresql") -> list[Finding]:
    """`ddlguard.analysis.detector.detect`: the same findings, the same cases skipped.

    The detector skips a file that spells none of `INTERESTING` (nor a `bulk_*` name) unless
    it imports peewee, which needs the word `peewee` or `playhouse` in its text: such a file
    is answered here, before the import.
    """
    if (
        not mentions(source, INTERESTING, PREFIXES)
        and "peewee" not in source
        and "playhouse" not in source
    ):
        return []
    from ddlguard.analysis.detector import detect as detect_calls

    return detect_calls(tree, source, dialect=dialect)
