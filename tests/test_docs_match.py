"""The output shown in the READMEs is what `ddlguard check examples/backend` really prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("readme", ["README.md", "examples/backend/README.md"])
def test_readme_shows_the_real_output_of_the_example(readme: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "examples/backend"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 8
    shown = (REPO / readme).read_text("utf-8")
    block = "\n".join(lines)
    assert block in shown, f"{readme} shows other output than:\n{block}"
