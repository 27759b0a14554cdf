"""The fix proven on a real PostgreSQL: original vs fixed deploys compared by pg_dump and rows."""
