"""A throwaway PostgreSQL cluster for the test session: initdb, unix socket only, stopped at the end.

The cluster never listens on TCP (`listen_addresses=''`), trusts local connections and runs with
`fsync=off`: it holds nothing but test databases. When the suite runs as root, the server runs as
the `postgres` user (initdb refuses root), and its folders are handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

INSTALL_HINT = (
    "PostgreSQL is not installed: install Debian's `postgresql` package "
    "(`apt-get install postgresql`; ./run-tests does it when run as root)"
)


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl, psql and pg_dump of one installed server, or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in versions), key=_major, reverse=True)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "psql", "pg_dump")):
            return folder
    return None


def _major(folder: Path) -> int:
    name = folder.parent.name
    return int(name) if name.isdigit() else 0


@dataclass(frozen=True, slots=True)
class Cluster:
    """A running server reachable through its unix socket in `socket_dir`, as user postgres."""

    bindir: Path
    socket_dir: Path

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database (psycopg 3, over the socket)."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def conninfo(self, database: str) -> str:
        return f"host={self.socket_dir} user=postgres dbname={database}"

    def connect(self, database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.conninfo(database), autocommit=True)

    def create_database(self) -> str:
        """A fresh, empty database (a copy of template0)."""
        name = "t_" + uuid.uuid4().hex[:12]
        with self.connect("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _argv(self, tool: str, database: str, args: Sequence[str]) -> list[str]:
        argv = [str(self.bindir / tool), "-h", str(self.socket_dir), "-U", "postgres"]
        if tool == "psql":
            argv.append("-X")  # no ~/.psqlrc
        return [*argv, *args, "-d", database]

    def client(
        self, tool: str, database: str, *args: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run psql or pg_dump against `database` through the socket."""
        argv = self._argv(tool, database, args)
        return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd)

    def start_client(self, tool: str, database: str, *args: str) -> subprocess.Popen[str]:
        """The same, started: the caller collects it with `communicate()`."""
        argv = self._argv(tool, database, args)
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class DatabasePool:
    """Fresh databases made ahead in a background thread: CREATE DATABASE takes ~0.5 s, and the
    tests would otherwise wait for it twice each. Dropping happens in the background too."""

    def __init__(self, cluster: Cluster, ahead: int = 3) -> None:
        self.cluster = cluster
        self.ahead = ahead
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-pool")
        self._ready: deque[Future[str]] = deque()
        self._fill()

    def _fill(self) -> None:
        while len(self._ready) < self.ahead:
            self._ready.append(self._worker.submit(self.cluster.create_database))

    def take(self) -> str:
        """A database nobody has used; give it back with `give_back`."""
        name = self._ready.popleft().result()
        self._fill()
        return name

    def give_back(self, name: str) -> None:
        self._worker.submit(self.cluster.drop_database, name)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)


def _as_server_user(argv: Sequence[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as `postgres` then."""
    if os.geteuid() != 0:
        return list(argv)
    return ["runuser", "-u", "postgres", "--", *argv]


def _cluster_parent() -> str | None:
    """Where the cluster's folder goes: the temp folder, unless the server user could not reach
    it (root's TMPDIR may sit in a private home) or a socket path there would be too long
    (unix sockets allow ~107 bytes)."""
    parent = tempfile.gettempdir()
    if os.geteuid() == 0 or len(parent) > 60:
        return "/tmp"
    return None


def _hand_over(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


@contextmanager
def running_cluster(bindir: Path) -> Iterator[Cluster]:
    """Start a cluster in a temporary folder; stop it and delete the folder afterwards."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError(
                "running as root but there is no `postgres` user to run the server as "
                "(Debian's postgresql package creates it)"
            ) from exc
    base = Path(tempfile.mkdtemp(prefix="ddlguard-pg-", dir=_cluster_parent()))
    data, sock, log = base / "data", base / "sock", base / "server.log"
    try:
        _hand_over(base)
        for folder in (data, sock):
            folder.mkdir(mode=0o700)
            _hand_over(folder)
        initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        _run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        options = f"-k {sock} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w"]
        _run([*pg_ctl, "-o", options, "start"], "pg_ctl start", log)
        try:
            yield Cluster(bindir=bindir, socket_dir=sock)
        finally:
            _run([*pg_ctl, "-m", "immediate", "stop"], "pg_ctl stop", log)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run(argv: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip()
        if log is not None and log.exists():
            detail += "\n" + log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{what} failed ({done.returncode}): {detail}")
