"""Alembic environment of the fixture projects: the database URL comes from the environment.

One transaction for the whole run (Alembic's default on PostgreSQL), so a failing
`alembic upgrade head` leaves the database where it began.
"""

import os

from alembic import context
from sqlalchemy import create_engine, pool

URL_VARIABLE = "DDLGUARD_TEST_DATABASE_URL"


def run_migrations_offline() -> None:
    url = os.environ.get(URL_VARIABLE) or context.config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # The test harness may hand over its engine (a fresh connection per run all the same: NullPool),
    # so SQLAlchemy sets up the dialect once per database rather than once per command.
    engine = context.config.attributes.get("engine") or create_engine(
        os.environ[URL_VARIABLE], poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
