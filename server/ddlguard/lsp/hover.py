"""Hover: the rule's explanation on a `# noqa: DG001` code or on a flagged call."""

from __future__ import annotations

import re

from lsprotocol import types

from ddlguard.lsp.text import DocText
from ddlguard.model import Finding, Range
from ddlguard.rules import RULES

NOQA = re.compile(
    r"#\s*(?:ddlguard:\s*)?noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)"
)
CODE = re.compile(r"[A-Za-z]+[0-9]+")


def _explanation(code: str, message: str | None = None) -> str:
    rule = RULES[code]
    head = f"**{code}** `{rule.name}`" + (f": {message}" if message else "")
    return f"{head}\n\n---\n\n{rule.explanation}\n\n[{code} documentation]({rule.url})"


def noqa_code_at(line_text: str, character: int) -> tuple[str, int, int] | None:
    """The rule code under `character` inside a `# noqa:` comment, with its column span."""
    for match in NOQA.finditer(line_text):
        base = match.start("codes")
        for code in CODE.finditer(match.group("codes")):
            start, end = base + code.start(), base + code.end()
            if start <= character <= end and code.group(0).upper() in RULES:
                return code.group(0).upper(), start, end
    return None


def _contains(rng: Range, line: int, character: int) -> bool:
    return (
        (rng.start.line, rng.start.character)
        <= (line, character)
        <= (
            rng.end.line,
            rng.end.character,
        )
    )


def hover(text: DocText, pos: types.Position, findings: list[Finding]) -> types.Hover | None:
    at = text.from_lsp_position(pos)
    line_text = text.engine_line(at.line)
    hit = noqa_code_at(line_text, at.character)
    if hit is not None:
        code, start, end = hit
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=_explanation(code)),
            range=text.to_lsp_range(Range.of(at.line, start, at.line, end)),
        )
    under = [f for f in findings if _contains(f.range, at.line, at.character)]
    if not under:
        return None
    parts = []
    for code in dict.fromkeys(f.code for f in under):
        message = next(f.message for f in under if f.code == code)
        parts.append(_explanation(code, message))
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
        ),
        range=text.to_lsp_range(under[0].range),
    )
