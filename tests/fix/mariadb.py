"""A throwaway MariaDB server for the tests that run MySQL scripts through the real `mysql` client.

The server never listens on TCP (`--skip-networking`), keeps its data in a temporary folder,
runs without grant tables (it holds nothing but test tables) and is stopped at the end. As root
it runs as the `mysql` user (mariadbd refuses root), as Debian's mariadb-server package sets up.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "MariaDB is not installed: install Debian's `mariadb-server` and `mariadb-client` packages "
    "(./run-tests does it when run as root)"
)
CLIENT = shutil.which("mysql")
_INSTALL = ("--skip-test-db", "--auth-root-authentication-method=normal")
# no TCP, no users (test tables only), no flush per commit
_SERVE = ("--skip-networking", "--skip-grant-tables", "--innodb-flush-log-at-trx-commit=0")


def find_server() -> tuple[Path, Path] | None:
    """mariadbd and mariadb-install-db of the installed server, or None."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    server = shutil.which("mariadbd", path=search) or shutil.which("mysqld", path=search)
    install = shutil.which("mariadb-install-db", path=search)
    if server is None or install is None or CLIENT is None:
        return None
    return Path(server), Path(install)


@dataclass(frozen=True, slots=True)
class Server:
    """A running server reachable through its unix socket."""

    socket: Path

    def client_argv(self, *args: str) -> list[str]:
        """The `mysql` client without option files, connected through the socket."""
        assert CLIENT is not None
        return [CLIENT, "--no-defaults", f"--socket={self.socket}", "--user=root", *args]

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Feed `script` to the client; its output, errors and exit status."""
        return subprocess.run(
            self.client_argv(*args),
            input=script,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def sql(self, script: str, database: str = "app") -> str:
        """Run setup or inspection SQL; fails the test when the server reports an error."""
        done = self.run(script, "--batch", "--skip-column-names", f"--database={database}")
        if done.returncode != 0:
            raise AssertionError(f"MariaDB failed: {done.stderr.strip()}")
        return done.stdout


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "mysql", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def running_server(server: Path, install: Path) -> Iterator[Server]:
    """Start a server in a temporary folder; stop it and delete the folder afterwards."""
    base = Path(tempfile.mkdtemp(prefix="ddlguard-mariadb-", dir="/tmp"))
    data, sock, log = base / "data", base / "sock", base / "server.log"
    if os.geteuid() == 0:
        user = pwd.getpwnam("mysql")
        os.chown(base, user.pw_uid, user.pw_gid)
    process: subprocess.Popen[bytes] | None = None
    try:
        installed = subprocess.run(
            _as_server_user([str(install), "--no-defaults", f"--datadir={data}", *_INSTALL]),
            capture_output=True,
            text=True,
            check=False,
        )
        if installed.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {installed.stderr.strip()}")
        files = (f"--datadir={data}", f"--socket={sock}", f"--log-error={log}")
        pid = f"--pid-file={base / 'server.pid'}"
        process = subprocess.Popen(
            _as_server_user([str(server), "--no-defaults", *files, pid, *_SERVE]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ready = Server(socket=sock)
        deadline = time.monotonic() + 60
        while ready.run("SELECT 1").returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"mariadbd did not start: {detail}")
            time.sleep(0.1)
        yield ready
    finally:
        if process is not None and process.poll() is None:
            _stop(process, base / "server.pid")
        shutil.rmtree(base, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes], pid_file: Path) -> None:
    """SIGTERM to mariadbd itself (under runuser it is a grandchild), then wait for it."""
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
