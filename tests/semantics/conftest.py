"""One PostgreSQL cluster per session; without PostgreSQL the suite fails in CI and skips locally."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import pytest

from .postgres import INSTALL_HINT, Cluster, DatabasePool, find_bindir, running_cluster


def in_ci(environ: Mapping[str, str]) -> bool:
    """CI sets CI=true: there a missing PostgreSQL fails the proof instead of skipping it."""
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    bindir = find_bindir()
    if bindir is None:
        if in_ci(os.environ):
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    with running_cluster(bindir) as running:
        yield running


@pytest.fixture(scope="session")
def databases(cluster: Cluster) -> Iterator[DatabasePool]:
    """Fresh empty databases, made ahead of need (one per use, dropped after it)."""
    pool = DatabasePool(cluster)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def database(databases: DatabasePool) -> Iterator[str]:
    """A fresh empty database, dropped after the test."""
    name = databases.take()
    try:
        yield name
    finally:
        databases.give_back(name)
