"""`ddlguard rules` (the rule table) and `ddlguard explain CODE` (a rule's long explanation)."""

from __future__ import annotations

import sys

from ddlguard.rules import RULES, lookup

_HEADERS = ("code", "name", "severity", "fix", "summary")


def rule_rows() -> list[tuple[str, str, str, str, str]]:
    return [
        (r.code, r.name, str(r.severity), r.applicability.value, r.summary) for r in RULES.values()
    ]


def run_rules() -> int:
    """Print every rule as an aligned table on stdout."""
    rows = [_HEADERS, *rule_rows()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS) - 1)]
    for n, row in enumerate(rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        sys.stdout.write("  ".join([*cells, row[-1]]).rstrip() + "\n")
        if n == 0:
            sys.stdout.write("  ".join(["-" * w for w in widths] + ["-" * 7]) + "\n")
    return 0


def run_explain(code: str) -> int:
    """Print the markdown explanation of a rule given by code or name (any case)."""
    rule = lookup(code)
    if rule is None:
        codes = ", ".join(RULES)
        sys.stderr.write(f"ddlguard: error: unknown rule {code!r}; known codes: {codes}\n")
        return 2
    text = rule.explanation
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
