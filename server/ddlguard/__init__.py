"""ddlguard: keeps Alembic migrations schema-only."""

__version__ = "0.1.0"
