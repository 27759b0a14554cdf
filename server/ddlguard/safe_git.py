"""Asking git what changed without letting the checked repository run anything.

`--diff-base` (or a `diff-base` key in a project's config) runs git on a checkout ddlguard does
not trust. Two things in such a checkout can make git run a program:

- a committed folder with a repository layout (`HEAD`, `refs/`, `objects/`, a `config`): git's
  discovery takes it for a repository when started inside it, and its `config` is then read;
- a repository's config (a downloaded `.git`, or the folder above) naming a program git runs on
  its own: `core.fsmonitor` on every index read, filter drivers when comparing the work tree,
  diff drivers, pagers, ssh, credential helpers, hooks.

So the repository is found once, from the folder the user ran in, with
`safe.bareRepository=explicit`, and accepted only when its top level's `.git` is the git
directory git reports. Every later command names that git directory and work tree
(`GIT_DIR`, `GIT_WORK_TREE`, discovery stopped at the top by `GIT_CEILING_DIRECTORIES`), with
every key that can run a program overridden on the command line, which wins over every config
file. Filter and diff drivers have free names: they are read from the config first (reading
config runs nothing) and each one is switched off.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 60

# environment variables that redirect git (to another repository, config, program) or run
# something; every other GIT_* variable is dropped too, except the user's global config file
_KEEP_GIT_VARIABLES = frozenset({"GIT_CONFIG_GLOBAL"})
_DROP_VARIABLES = frozenset({"PAGER", "SSH_ASKPASS", "EDITOR", "VISUAL"})

# transports git could use to fetch missing objects of a partial clone
_PROTOCOLS = ("file", "git", "ssh", "http", "https", "ext", "fd")

# keys whose value git runs as a program (or that decide whether it runs one)
_NO_PROGRAMS: tuple[tuple[str, str], ...] = (
    ("safe.bareRepository", "explicit"),
    ("core.fsmonitor", "false"),
    ("core.useBuiltinFSMonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("core.sshCommand", "false"),
    ("core.gitProxy", ""),
    ("core.askPass", ""),
    ("core.alternateRefsCommand", ""),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("gpg.program", "false"),
    ("gpg.openpgp.program", "false"),
    ("gpg.ssh.program", "false"),
    ("gpg.x509.program", "false"),
    ("uploadpack.packObjectsHook", ""),
    ("protocol.allow", "never"),
    *((f"protocol.{name}.allow", "never") for name in _PROTOCOLS),
    ("submodule.recurse", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("status.submoduleSummary", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
# per-driver keys naming a program, switched off for every driver the config names
_DRIVER_KEYS = {
    "filter": (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false")),
    "diff": (("command", ""), ("textconv", ""), ("cachetextconv", "false")),
    "merge": (("driver", "false"),),
    "protocol": (("allow", "never"),),
    "remote": (
        ("uploadpack", "false"),
        ("receivepack", "false"),
        ("vcs", ""),
        ("promisor", "false"),
    ),
}


class GitError(Exception):
    """git is missing, failed, timed out, or the repository is not one to trust."""


def safe_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment without the variables that redirect git or run programs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("GIT_") and key not in _KEEP_GIT_VARIABLES)
        and key not in _DROP_VARIABLES
    }
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_NO_LAZY_FETCH="1",
        GIT_OPTIONAL_LOCKS="0",  # never rewrite the index (no hook, no change to the checkout)
        GIT_PAGER="cat",
        LC_ALL="C",
    )
    env.update(extra or {})
    return env


def _config_options(overrides: tuple[tuple[str, str], ...]) -> list[str]:
    options = ["--no-pager"]
    for key, value in overrides:
        options += ["-c", f"{key}={value}"]
    return options


def _run(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    overrides: tuple[tuple[str, str], ...] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """`git ARGS` with `overrides` (else `_NO_PROGRAMS`) on its command line."""
    options = _config_options(_NO_PROGRAMS if overrides is None else overrides)
    if not cwd.is_dir():
        raise GitError(f"{cwd} is not a folder")
    try:
        return subprocess.run(
            ["git", *options, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise GitError("--diff-base needs git, which is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took more than {TIMEOUT_SECONDS} s in {cwd}") from None


def _first_line(done: subprocess.CompletedProcess[bytes]) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


@dataclass(frozen=True, slots=True)
class Repository:
    """A work tree and its git directory, checked to belong together."""

    top: Path
    git_dir: Path

    def environment(self) -> dict[str, str]:
        """The git directory and work tree named, discovery stopped at the top."""
        return safe_environment(
            {
                "GIT_DIR": str(self.git_dir),
                "GIT_WORK_TREE": str(self.top),
                "GIT_CEILING_DIRECTORIES": str(self.top.parent),
            }
        )

    def _driver_overrides(self, env: dict[str, str]) -> tuple[tuple[str, str], ...]:
        """`_NO_PROGRAMS` plus every filter, diff, merge driver, protocol, remote the config names."""
        listed = _run(["config", "--null", "--name-only", "--list"], self.top, env)
        if listed.returncode != 0:
            raise GitError(f"git config failed: {_first_line(listed)}")
        out = list(_NO_PROGRAMS)
        seen: set[tuple[str, str]] = set()
        for raw in listed.stdout.split(b"\0"):
            name = raw.decode("utf-8", "surrogateescape")
            section, dot, rest = name.partition(".")
            subsection, dot2, _ = rest.rpartition(".")
            kind = section.lower()
            if not (dot and dot2 and subsection) or kind not in _DRIVER_KEYS:
                continue
            if "=" in subsection or (kind, subsection) in seen:
                continue  # `-c a.b=c.d=e` would split at the first `=`: never such a name
            seen.add((kind, subsection))
            out += [(f"{kind}.{subsection}.{key}", value) for key, value in _DRIVER_KEYS[kind]]
        return tuple(out)

    def run(self, args: list[str]) -> bytes:
        """stdout of `git ARGS` in this repository; GitError with git's message on failure."""
        env = self.environment()
        done = _run(args, self.top, env, self._driver_overrides(env))
        if done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {_first_line(done)}")
        return done.stdout


def find_repository(start: Path) -> Repository:
    """The repository git reports for `start`, refused unless its top level's `.git` is its
    git directory (a folder with a repository layout inside a checkout never is)."""
    env = safe_environment()
    done = _run(["rev-parse", "--show-toplevel", "--absolute-git-dir"], start, env)
    if done.returncode != 0:
        reason = _first_line(done)
        if "not a git repository" in reason:
            raise GitError(f"{start} is not inside a git work tree")
        raise GitError(f"{start}: {reason}")
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != 2:
        raise GitError(f"{start} is not inside a git work tree")
    top, git_dir = Path(lines[0]).resolve(), Path(lines[1]).resolve()
    if _dot_git_target(top) != git_dir:
        raise GitError(
            f"git reports {top} as the work tree of {git_dir}, which is not its .git: "
            "refusing a repository inside the checkout"
        )
    return Repository(top, git_dir)


def _dot_git_target(top: Path) -> Path | None:
    """What `top/.git` names: itself (a folder) or the `gitdir:` of a file (worktree, submodule)."""
    dot_git = top / ".git"
    if dot_git.is_symlink():
        return None
    if dot_git.is_dir():
        return dot_git.resolve()
    try:
        with dot_git.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    first = head.splitlines()[0] if head else ""
    if not first.startswith("gitdir:"):
        return None
    return (top / first.removeprefix("gitdir:").strip()).resolve()
