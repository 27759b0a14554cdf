"""libcst and SQLAlchemy are loaded only when a fix is planned, never on the analysis path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backend"

PROBE = """
import sys
from pathlib import Path
import ddlguard.cli.check
from ddlguard.runner import check_paths
run = check_paths([Path(sys.argv[1])])
assert any(f.result.findings for f in run.files), "the example should have findings"
print(sorted(m for m in ("libcst", "sqlalchemy", "ddlguard.fix") if m in sys.modules))
"""


def test_checking_imports_no_fix_machinery() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(EXAMPLE)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
