"""`include`/`exclude` globs: exact (against fnmatch and a brute-force matcher), linear on hostile
patterns, and a bad one is a configuration problem, never a crash (issue 12 items 6 and 7)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ddlguard.globs import ANY_FOLDERS, GlobError, compile_glob
from ddlguard.settings import load_settings, path_matches
from hypothesis import given
from hypothesis import strategies as st

from .lsp_client import start_editor, stop_editor

REPO = Path(__file__).resolve().parents[2]

_ATOMS = st.sampled_from(["a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-b]", "[]a]", "[!]b]"])
NAME_GLOBS = st.lists(_ATOMS, min_size=1, max_size=7).map("".join)
NAMES = st.text(alphabet="ab.]", min_size=0, max_size=8)


@given(NAME_GLOBS, NAMES)
def test_a_name_matches_as_fnmatch_says(pattern: str, name: str) -> None:
    glob = compile_glob(pattern)
    assert glob.matches([name]) is fnmatch.fnmatchcase(name, pattern.replace("**", "*"))


def _brute(parts: list[str], names: list[str]) -> bool:
    """The anchored semantics by plain recursion (exponential, fine for tiny inputs)."""

    def go(i: int, j: int) -> bool:
        if i == len(parts):
            return j >= 1
        if parts[i] == ANY_FOLDERS:
            return go(i + 1, j) or (j < len(names) and go(i, j + 1))
        return j < len(names) and fnmatch.fnmatchcase(names[j], parts[i]) and go(i + 1, j + 1)

    return go(0, 0)


@given(
    st.lists(st.sampled_from(["a", "b", "*", "?a", "**", "[ab]*"]), min_size=2, max_size=5),
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "aa"]), min_size=1, max_size=5),
)
def test_a_path_matches_as_the_brute_force_matcher_says(parts: list[str], names: list[str]) -> None:
    pattern = "/".join(parts)
    squeezed: list[str] = []
    for part in parts:  # consecutive `**` parts mean what one does
        if not (part == ANY_FOLDERS and squeezed and squeezed[-1] == ANY_FOLDERS):
            squeezed.append(part)
    assert compile_glob(pattern).matches(names) is _brute(squeezed, names)


@pytest.mark.parametrize(
    "pattern",
    ["*" * 48 + "x", "*" * 5_000, "a*" * 2_000 + "b", "**/" * 500 + "x", "?*" * 3_000 + "[!a]"],
    ids=["48-stars", "5000-stars", "a-star-2000", "dstar-500", "qstar-3000"],
)
def test_hostile_globs_match_in_linear_time(tmp_path: Path, pattern: str) -> None:
    names = ["a" * 250, "b" * 250, "a" * 100 + "/" + "a" * 100]
    started = time.monotonic()
    for name in names:
        path_matches(tmp_path / name / "m.py", pattern, tmp_path)
    assert time.monotonic() - started < 1.0, "a glob backtracked"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("[z-a].py", "reversed"),
        ("x[!]", "never closed"),
        ("[", "never closed"),
        ("a[b", "never closed"),
        ("", "empty"),
    ],
)
def test_a_bad_glob_says_why(pattern: str, why: str) -> None:
    with pytest.raises(GlobError, match=why):
        compile_glob(pattern)


def test_a_bad_glob_is_a_problem_naming_file_and_key_and_is_ignored(tmp_path: Path) -> None:
    config = tmp_path / "ddlguard.toml"
    config.write_text('exclude = ["[z-a].py", "legacy", "x[!]"]\n', "utf-8")
    settings = load_settings(config)
    assert settings.exclude == ("legacy",)  # the good glob still applies
    (problem,) = settings.problems
    assert problem.source == str(config) and problem.key == "exclude"
    assert "reversed" in problem.message and "never closed" in problem.message
    assert not settings.accepts_path(tmp_path / "legacy" / "a.py")
    assert settings.accepts_path(tmp_path / "z.py")


MIGRATION = """\
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute("DELETE FROM users")
"""


@pytest.mark.parametrize("pattern", ["[z-a].py", "x[!]", "*" * 5_000 + "x"])
def test_the_cli_reports_a_bad_glob_and_checks_on(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "ddlguard.toml").write_text(f"exclude = [{pattern!r}]\n", "utf-8")
    (tmp_path / "m.py").write_text(MIGRATION, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    done = subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "--format", "json", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # findings, not "internal error" (2)
    assert "DG001" in done.stdout
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    if "[" in pattern:
        assert "ddlguard.toml" in done.stderr and "exclude" in done.stderr


async def test_the_server_reports_a_bad_glob_and_still_checks(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "ddlguard.toml").write_text('exclude = ["[z-a].py", "legacy"]\n', "utf-8")
    editor = await start_editor(root, cwd=root)
    try:
        uri = editor.open(root / "m.py", MIGRATION)
        assert await editor.wait_for(lambda: editor.last_publish(uri) is not None, 30)
        last = editor.last_publish(uri)
        assert last is not None and any(d.code == "DG001" for d in last.diagnostics)
        shown = [m.message for m in editor.client.messages]
        assert any("ddlguard.toml" in m and "exclude" in m and "reversed" in m for m in shown)
    finally:
        await stop_editor(editor)
