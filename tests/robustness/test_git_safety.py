"""`--diff-base` runs git on a checkout it does not trust: nothing of the checkout may run.

Each hostile key is first shown to be live (plain git, as a user would run it, leaves the
marker), then ddlguard's own git calls (`changed_files`, the CLI, the language server) must
leave none. The reproduction of issue 12 item 5: a committed folder with a bare-repository
layout whose `config` names a command, and a `ddlguard.toml` with `diff-base = "HEAD"` beside it.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from ddlguard import safe_git
from ddlguard.project import ConfigError
from ddlguard.safe_git import GitError, find_repository, safe_environment
from ddlguard.selection import _GIT_CACHE, GIT_CACHE_SECONDS, changed_files
from lsprotocol import types

from .lsp_client import start_editor, stop_editor

REPO = Path(__file__).resolve().parents[2]
MIGRATION = """\
from alembic import op

revision = {rev!r}
down_revision = {down!r}


def upgrade():
    op.execute("UPDATE users SET name = 'x'")


def downgrade():
    pass
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
    )  # fmt: skip
    return env


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, check=check, timeout=60,
    )  # fmt: skip


def _marker_command(marker: Path, *, passthrough: bool = True) -> str:
    """An executable leaving `marker`, passing stdin through (a filter must answer), or
    failing at once (a transport would wait for an answer)."""
    script = marker.with_name("hostile.sh" if passthrough else "hostile-fail.sh")
    then = "cat" if passthrough else "exit 1"
    script.write_text(f"#!/bin/sh\ntouch {shlex.quote(str(marker))}\n{then}\n", "utf-8")
    script.chmod(0o755)
    return str(script)


def repository(root: Path) -> Path:
    """A repo with two committed migrations, one changed since HEAD and one new."""
    versions = root / "migrations"
    versions.mkdir(parents=True)
    (versions / "a.py").write_text(MIGRATION.format(rev="a1", down=None), "utf-8")
    (versions / "b.py").write_text(MIGRATION.format(rev="b2", down="a1"), "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "history")
    (versions / "b.py").write_text(MIGRATION.format(rev="b2", down="a1") + "# edited\n", "utf-8")
    (versions / "c.py").write_text(MIGRATION.format(rev="c3", down="b2"), "utf-8")
    return versions


@dataclass(frozen=True)
class Hostile:
    """A config key that runs a program, how to arm it, and a plain git command that runs it."""

    name: str
    arm: Callable[[Path, str], None]
    control: tuple[str, ...] | None  # None: only a tty, the network or a key server would


def _config(key: str) -> Callable[[Path, str], None]:
    def arm(root: Path, command: str) -> None:
        git(root, "config", key, command)

    return arm


def _with_attributes(key: str, attribute: str) -> Callable[[Path, str], None]:
    def arm(root: Path, command: str) -> None:
        git(root, "config", key, command)
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / ".git" / "info" / "attributes").write_text(f"*.py {attribute}\n", "utf-8")
        (root / ".gitattributes").write_text(f"*.py {attribute}\n", "utf-8")

    return arm


def _hook(root: Path, command: str) -> None:
    hooks = root / "hostile-hooks"
    hooks.mkdir()
    for name in ("post-index-change", "post-checkout", "pre-commit", "reference-transaction"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\n{command} </dev/null\n", "utf-8")
        hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    git(root, "config", "core.hooksPath", str(hooks))


def _failing(command: str) -> str:
    return _marker_command(Path(command).with_name("MARKER"), passthrough=False)


def _ssh(root: Path, command: str) -> None:
    git(root, "config", "core.sshCommand", _failing(command))
    git(root, "remote", "add", "origin", "ssh://example.invalid/repo.git")


def _ext(root: Path, command: str) -> None:
    git(root, "config", "protocol.ext.allow", "always")
    git(root, "remote", "add", "origin", f"ext::{_failing(command)}")


def _smudge(root: Path, command: str) -> None:
    """Runs when a file is written from the repository: the control restores a deleted one."""
    _with_attributes("filter.evil.smudge", "filter=evil")(root, command)
    (root / "migrations" / "a.py").unlink()


def _process_filter(root: Path, command: str) -> None:
    _with_attributes("filter.evil.process", "filter=evil")(root, command)
    git(root, "config", "filter.evil.required", "true")


HOSTILE = [
    Hostile("core.fsmonitor", _config("core.fsmonitor"), ("status",)),
    Hostile("filter.clean", _with_attributes("filter.evil.clean", "filter=evil"), ("diff", "HEAD")),
    Hostile("filter.process", _process_filter, ("diff", "HEAD")),
    Hostile("filter.smudge", _smudge, ("checkout", "HEAD", "--", "migrations/a.py")),
    Hostile("diff.external", _config("diff.external"), ("diff", "HEAD")),
    Hostile("diff.textconv", _with_attributes("diff.evil.textconv", "diff=evil"), ("diff", "HEAD")),
    Hostile("diff.command", _with_attributes("diff.evil.command", "diff=evil"), ("diff", "HEAD")),
    Hostile("core.hooksPath", _hook, ("add", "-A")),
    Hostile("core.sshCommand", _ssh, ("fetch", "-q", "origin")),
    Hostile("protocol.ext", _ext, ("fetch", "-q", "origin")),
    Hostile(
        "gpg.program",
        _config("gpg.program"),
        ("commit", "-q", "-S", "--allow-empty", "-m", "signed"),
    ),
    Hostile("core.pager", _config("core.pager"), None),
    Hostile("pager.diff", _config("pager.diff"), None),
    Hostile("credential.helper", _config("credential.helper"), None),
    Hostile("core.askPass", _config("core.askPass"), None),
    Hostile("core.editor", _config("core.editor"), None),
    Hostile("core.alternateRefsCommand", _config("core.alternateRefsCommand"), None),
]


@pytest.fixture(autouse=True)
def _fresh_git_cache() -> None:
    _GIT_CACHE.clear()


def _run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "--format", "text", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_no_git_key_of_the_checkout_runs_a_program(tmp_path: Path, hostile: Hostile) -> None:
    root, marker = tmp_path / "repo", tmp_path / "MARKER"
    repository(root)
    hostile.arm(root, _marker_command(marker))
    if hostile.control is not None:  # the key is live: plain git runs the command
        git(root, *hostile.control, check=False)
        assert marker.exists(), f"plain `git {' '.join(hostile.control)}` did not run it"
        marker.unlink()
    changed = changed_files("HEAD", root / "migrations")
    assert {p.name for p in changed} >= {"b.py", "c.py"}
    assert "a.py" not in {p.name for p in changed}
    done = _run_check(root, "--diff-base", "HEAD")
    assert done.returncode == 1, done.stderr
    assert "b.py" in done.stdout and "c.py" in done.stdout and "a.py" not in done.stdout
    assert not marker.exists(), f"{hostile.name} ran a program"


def _bare_layout(folder: Path, marker: Path) -> None:
    """A committed folder git's discovery takes for a repository, the folder its own work tree."""
    source = folder.parent.parent / "source"
    source.mkdir()
    git(source, "init", "-q", "-b", "main")
    (source / "x.txt").write_text("x\n", "utf-8")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "x")
    git(folder.parent, "clone", "-q", "--bare", str(source), folder.name)
    git(folder, "config", "core.bare", "false")
    git(folder, "config", "core.worktree", ".")
    git(folder, "config", "core.fsmonitor", _marker_command(marker, passthrough=False))


def bare_layout_repository(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Issue 12's reproduction, cloned as a victim would: root, the hostile folder, the marker."""
    origin, marker = tmp_path / "origin", tmp_path / "MARKER"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    _bare_layout(origin / "evil", marker)
    sha = git(origin / "evil", "rev-parse", "HEAD").stdout.strip()
    (origin / "evil" / "refs" / "heads" / "main").write_text(sha + "\n", "utf-8")  # committable
    (origin / "evil" / "packed-refs").unlink()
    versions = origin / "evil" / "migrations"
    versions.mkdir()
    (versions / "a.py").write_text(MIGRATION.format(rev="a1", down=None), "utf-8")
    (origin / "evil" / "ddlguard.toml").write_text('diff-base = "HEAD"\n', "utf-8")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "a folder with a repository layout")
    git(tmp_path, "clone", "-q", str(origin), "repo")
    root = tmp_path / "repo"
    evil = root / "evil"
    (evil / "migrations" / "b.py").write_text(MIGRATION.format(rev="b2", down="a1"), "utf-8")
    # the layout is live in the clone: plain git started inside it runs the command
    git(evil, "diff", "--name-only", "HEAD", "--", check=False)
    assert marker.exists()
    marker.unlink()
    return root, evil, marker


def test_a_bare_repository_layout_with_a_config_diff_base_runs_nothing(tmp_path: Path) -> None:
    root, evil, marker = bare_layout_repository(tmp_path)
    done = _run_check(root)  # diff-base comes from evil/ddlguard.toml
    assert not marker.exists()
    assert done.returncode == 1, done.stderr
    # git answered for the real repository: the committed a.py is left out, the new b.py not
    assert "b.py" in done.stdout and "a.py" not in done.stdout
    inside = _run_check(evil)  # run from inside the layout: refused, still nothing runs
    assert not marker.exists()
    assert inside.returncode == 2 and "bare repository" in inside.stderr
    assert len(inside.stderr.strip().splitlines()) == 1


def test_find_repository_refuses_a_folder_inside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, evil, marker = bare_layout_repository(tmp_path)
    assert find_repository(root / "evil" / "..").top == root.resolve()
    with pytest.raises(GitError, match="bare repository"):
        find_repository(evil / "migrations")
    # without safe.bareRepository (git before 2.38) the layout is found, and refused anyway
    older = tuple(kv for kv in safe_git._NO_PROGRAMS if kv[0] != "safe.bareRepository")
    monkeypatch.setattr(safe_git, "_NO_PROGRAMS", older)
    with pytest.raises(GitError, match=r"not its \.git"):
        find_repository(evil / "migrations")
    assert not marker.exists()


async def test_the_server_opening_the_folder_runs_nothing(tmp_path: Path) -> None:
    root, evil, marker = bare_layout_repository(tmp_path)
    editor = await start_editor(root, cwd=root)
    try:
        count = await editor.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="ddlguard.server.checkWorkspace")
        )
        assert count >= 1
        b = (evil / "migrations" / "b.py").as_uri()
        assert await editor.wait_for(lambda: editor.last_publish(b) is not None, 30)
    finally:
        await stop_editor(editor)
    assert not marker.exists()


def test_a_diff_base_starting_with_a_dash_is_refused(tmp_path: Path) -> None:
    repository(tmp_path / "repo")
    with pytest.raises(ConfigError, match="cannot start with"):
        changed_files("--output=x", tmp_path / "repo")
    assert not (tmp_path / "repo" / "x").exists()


def test_the_environment_cannot_redirect_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_EXTERNAL_DIFF", "GIT_SSH_COMMAND",
                 "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "PAGER", "GIT_PAGER"):  # fmt: skip
        monkeypatch.setenv(name, "/somewhere")
    env = safe_environment()
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_PAGER"] == "cat"
    assert not {"GIT_DIR", "GIT_WORK_TREE", "GIT_EXTERNAL_DIFF", "GIT_SSH_COMMAND"} & set(env)
    assert not {"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "PAGER"} & set(env)


def test_outside_a_work_tree_is_a_git_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not inside a git work tree"):
        find_repository(tmp_path)


def test_answers_are_cached_for_a_few_seconds(tmp_path: Path) -> None:
    repository(tmp_path / "repo")
    first = changed_files("HEAD", tmp_path / "repo")
    (tmp_path / "repo" / "migrations" / "d.py").write_text("x = 1\n", "utf-8")
    assert changed_files("HEAD", tmp_path / "repo") == first  # within GIT_CACHE_SECONDS
    assert GIT_CACHE_SECONDS <= 10


def test_a_missing_folder_is_a_git_error_not_a_missing_git(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="is not a folder"):
        find_repository(tmp_path / "gone")
