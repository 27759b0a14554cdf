"""Placeholder until the detector lands: finds nothing."""

from __future__ import annotations

import ast

from ddlguard.model import Finding


def detect(tree: ast.Module, source: str, *, dialect: str = "postgresql") -> list[Finding]:
    return []
