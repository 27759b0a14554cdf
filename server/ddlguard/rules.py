"""The rule registry: each rule has a code, a name, a severity, a message, an explanation and a fix.

Modelled on ruff's registry. Long explanations live in `rule_docs/<CODE>.md` (package data) so
that they read as documents, are shown by `ddlguard explain`, the server's hover and the docs.
"""

from __future__ import annotations

from typing import NamedTuple

from ddlguard.model import Applicability, Severity

DOCS_URL = "https://github.com/ddlguard/ddlguard/blob/main/server/ddlguard/rule_docs/{code}.md"


class Rule(NamedTuple):
    """One rule of the registry, as ruff's: code, name, severity, summary, fix applicability."""

    code: str
    name: str
    severity: Severity
    summary: str  # one line for the rule table
    applicability: Applicability
    cli_only: bool = False

    @property
    def explanation(self) -> str:
        """The long explanation (markdown): why it matters, the safe way, a bad and a good example."""
        from importlib import resources  # ~10 ms of imports no `check` run needs

        try:
            return (resources.files("ddlguard") / "rule_docs" / f"{self.code}.md").read_text(
                "utf-8"
            )
        except FileNotFoundError:
            return f"# {self.code} {self.name}\n\n{self.summary}\n"

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)


_E, _W = Severity.ERROR, Severity.WARNING
_SAFE, _UNSAFE, _NONE = Applicability.SAFE, Applicability.UNSAFE, Applicability.NONE

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "DG000",
            "parse-error",
            _E,
            "A migration file that is not valid Python",
            _NONE,
            cli_only=True,
        ),
        Rule("DG001", "dml-in-sql", _E, "SQL text executed in a migration changes data", _UNSAFE),
        Rule(
            "DG002",
            "dml-expression",
            _E,
            "A SQLAlchemy Core (or peewee) insert/update/delete is executed",
            _UNSAFE,
        ),
        Rule("DG003", "bulk-insert", _E, "op.bulk_insert() writes rows from a migration", _UNSAFE),
        Rule(
            "DG004", "orm-session", _E, "An ORM session (or peewee model) writes or queries", _NONE
        ),
        Rule(
            "DG005", "data-read", _W, "A migration reads rows: its outcome depends on data", _NONE
        ),
        Rule(
            "DG006",
            "unverifiable-sql",
            _W,
            "SQL built at run time cannot be classified statically",
            _NONE,
        ),
        Rule("DG101", "multiple-heads", _E, "The revision graph has more than one head", _NONE),
        Rule(
            "DG102",
            "missing-parent",
            _E,
            "down_revision or depends_on names no known revision",
            _NONE,
        ),
        Rule(
            "DG103",
            "duplicate-revision",
            _E,
            "A revision id is defined by more than one file",
            _NONE,
        ),
        Rule("DG104", "revision-cycle", _E, "The revision graph has a cycle", _NONE),
        Rule(
            "DG200",
            "unused-noqa",
            _W,
            "A # noqa comment suppresses nothing or names an unknown code",
            _NONE,
        ),
        Rule(
            "DG201",
            "review-checklist-left",
            _W,
            "The template's review checklist is still in the migration",
            _SAFE,
        ),
        Rule("DG202", "empty-upgrade", _W, "upgrade() does nothing and no comment says why", _NONE),
        Rule("DG401", "ddl-in-data-script", _E, "A scripts/sql data script contains DDL", _NONE),
    )
}

BY_NAME: dict[str, Rule] = {r.name: r for r in RULES.values()}


def lookup(code_or_name: str) -> Rule | None:
    """A rule by code (`DG001`, any case) or name (`dml-in-sql`)."""
    key = code_or_name.strip()
    return RULES.get(key.upper()) or BY_NAME.get(key.lower())


def expand_selector(selector: str) -> set[str]:
    """Codes matched by a selector: a code, a prefix (`DG`, `DG0`, `DG1`), `ALL`, or a rule name.

    Raises ValueError for a selector that matches nothing, so config errors can name it.
    """
    s = selector.strip()
    if s.upper() == "ALL":
        return set(RULES)
    rule = BY_NAME.get(s.lower())
    if rule:
        return {rule.code}
    matched = {code for code in RULES if code.startswith(s.upper())}
    if not matched:
        raise ValueError(f"unknown rule selector {selector!r}")
    return matched
