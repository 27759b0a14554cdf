"""Placeholder until the hygiene rules (DG201, DG202) land."""

from __future__ import annotations

import ast

from ddlguard.model import Finding


def check_hygiene(tree: ast.Module, source: str) -> list[Finding]:
    return []
