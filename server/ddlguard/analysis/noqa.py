"""Placeholder until suppression lands: keeps everything."""

from __future__ import annotations

from ddlguard.model import Finding


def apply_noqa(findings: list[Finding], source: str) -> list[Finding]:
    return findings
