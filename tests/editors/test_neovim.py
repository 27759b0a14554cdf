"""Neovim (Debian's 0.7.2, headless) as a second, independent LSP client of `ddlguard lsp`.

It attaches the server to a migration of `examples/backend` (copied to a temporary folder) and
records what it received: the workspace scan's diagnostics for every flagged migration and the
open buffer's own, as Neovim stored them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "backend"
MIGRATION = "2024_02_02_3c4d5e6f7a8b_add_user_status.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nvim") is None, reason="nvim is not installed (apt-get install neovim)"
    ),
]


def test_neovim_receives_the_example_projects_diagnostics(tmp_path: Path) -> None:
    assert EXAMPLE.is_dir(), "examples/backend is part of the repository"
    root = tmp_path / "backend"
    shutil.copytree(EXAMPLE, root)
    target = root / "alembic" / "versions" / MIGRATION
    out = tmp_path / "nvim.json"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(REPO / "server"),
        "DDLGUARD_PYTHON": sys.executable,
        "DDLGUARD_ROOT": str(root),
        "DDLGUARD_NVIM_OUT": str(out),
        "DDLGUARD_EXPECTED_FILES": "6",
    }
    subprocess.run(
        [
            "nvim",
            "--headless",
            "-n",
            "-u",
            str(Path(__file__).with_name("neovim_config.lua")),
            str(target),
        ],
        env=env,
        cwd=root,
        timeout=90,
        check=False,
        capture_output=True,
    )
    assert out.is_file(), "Neovim wrote no report"
    report = json.loads(out.read_text())
    assert report["reason"] == "complete", report

    flagged = {Path(p["uri"]).name for p in report["published"] if p["diagnostics"]}
    assert len(flagged) >= 6 and MIGRATION in flagged, flagged

    buffer = sorted(report["buffer"], key=lambda d: d["lnum"])
    assert [d["code"] for d in buffer] == ["DG001", "DG001"], buffer
    lines = target.read_text().splitlines()
    update = buffer[0]
    assert "UPDATE" in update["message"] and "users" in update["message"]
    assert lines[update["lnum"]][update["col"] :].startswith("op.execute(")
    assert update["severity"] == 1  # vim.diagnostic.severity.ERROR
