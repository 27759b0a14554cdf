"""The throwaway cluster itself: unix socket only, and never a silent skip in CI."""

from __future__ import annotations

from .conftest import in_ci
from .postgres import Cluster, DatabasePool


def test_a_missing_postgresql_fails_in_ci_and_skips_elsewhere() -> None:
    assert in_ci({"CI": "true"}) and in_ci({"CI": "1"}) and in_ci({"CI": "True "})
    assert not in_ci({}) and not in_ci({"CI": ""}) and not in_ci({"CI": "false"})


def test_the_cluster_listens_on_its_socket_only(cluster: Cluster, database: str) -> None:
    with cluster.connect(database) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings"
                " WHERE name IN ('listen_addresses', 'unix_socket_directories', 'fsync')"
            ).fetchall()
        )
        assert conn.execute("SELECT current_database()").fetchone() == (database,)
    assert settings == {
        "listen_addresses": "",
        "unix_socket_directories": str(cluster.socket_dir),
        "fsync": "off",
    }


def test_each_database_starts_empty(cluster: Cluster, databases: DatabasePool) -> None:
    first, second = databases.take(), databases.take()
    try:
        assert first != second
        with cluster.connect(first) as conn:
            conn.execute("CREATE TABLE t (id int)")
        with cluster.connect(second) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        assert tables == (0,)
    finally:
        databases.give_back(first)
        databases.give_back(second)
