"""DO blocks: DML only when the body changes data; their PL/pgSQL is parsed, not grepped."""

from __future__ import annotations

import pytest
from ddlguard.sql import StatementKind

from .helpers import only

WRITES = [
    ("DO $$ BEGIN UPDATE accounts SET x = 1; END $$", ("accounts",)),
    ("DO $$BEGIN INSERT INTO audit VALUES (now()); END$$", ("audit",)),
    ("DO 'BEGIN DELETE FROM logs; END'", ("logs",)),
    ("DO LANGUAGE plpgsql $$ BEGIN TRUNCATE t; END $$", ("t",)),
    # inside control flow, loops, nested blocks and exception handlers
    (
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM users LOOP "
        "UPDATE users SET n = n + 1 WHERE id = r.id; END LOOP; END $$",
        ("users",),
    ),
    (
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM t) THEN BEGIN DELETE FROM public.t; "
        "EXCEPTION WHEN others THEN NULL; END; END IF; END $$",
        ("public.t",),
    ),
    # a data-modifying CTE, with PL/pgSQL's SELECT ... INTO variable
    (
        "DO $$ DECLARE n int; BEGIN WITH d AS (DELETE FROM q RETURNING 1) "
        "SELECT count(*) INTO n FROM d; END $$",
        ("q",),
    ),
    # EXECUTE of a string whose text is known
    ("DO $$ BEGIN EXECUTE 'DELETE FROM logs'; END $$", ("logs",)),
    ("DO $$ BEGIN EXECUTE format('UPDATE %I SET a = %L', 't', 1); END $$", ()),
    ("DO $$ BEGIN EXECUTE 'UPDATE ' || quote_ident(tab) || ' SET a = 1'; END $$", ()),
    ("DO $$ BEGIN EXECUTE format('UPDATE %I.%I SET a = %L', s, t, v); END $$", ()),
    ("DO $$ BEGIN EXECUTE 'DELETE FROM log_' || suffix; END $$", ()),
    (
        "DO $$ BEGIN EXECUTE format('UPDATE accounts SET a = %L WHERE id = %s', 1, 2); END $$",
        ("accounts",),
    ),
    # schema change and data change together: the data change wins
    ("DO $$ BEGIN ALTER TABLE t ADD c int; UPDATE t SET c = 0; END $$", ("t",)),
]

SCHEMA_ONLY = [
    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'mood') THEN "
    "CREATE TYPE mood AS ENUM ('a', 'b'); END IF; END $$",
    "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    "DO $$ BEGIN PERFORM 1 FROM pg_class WHERE relname = 't'; ALTER TABLE t ADD c int; END $$",
    "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM pg_tables; RAISE NOTICE '%', n; END $$",
    "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN c int', 't'); END $$",
    "DO $$ BEGIN EXECUTE 'CREATE INDEX ix ON t (a)'; END $$",
    "DO $$ BEGIN EXECUTE format('ALTER TABLE tbl_%s ADD c int', x); END $$",
    "DO $$ BEGIN EXECUTE 'ALTER TABLE ' || quote_ident(t) || ' ADD c int'; END $$",
    # DML words in comments, strings and RAISE messages are not statements
    "DO $$ BEGIN -- UPDATE later\n RAISE NOTICE 'delete me'; ALTER TABLE t ADD c int; END $$",
    # a trigger function defined from a DO block is a definition
    "DO $do$ BEGIN EXECUTE $f$CREATE FUNCTION f() RETURNS trigger AS $b$ BEGIN "
    "UPDATE t SET a = 1; RETURN NEW; END $b$ LANGUAGE plpgsql$f$; END $do$",
]

UNKNOWN = [
    "DO $$ BEGIN EXECUTE some_variable; END $$",
    "DO $$ DECLARE q text := 'x'; BEGIN EXECUTE q; END $$",
    "DO $$ BEGIN CALL archive(); END $$",
    "DO LANGUAGE plpython3u $$ plpy.execute('UPDATE t SET a = 1') $$",
]


@pytest.mark.parametrize(("sql", "tables"), WRITES)
def test_do_block_that_changes_data(sql: str, tables: tuple[str, ...]) -> None:
    s = only(sql)
    assert (s.kind, s.verb, s.tables, s.parser) == (StatementKind.DML, "DO", tables, "pglast")


@pytest.mark.parametrize("sql", SCHEMA_ONLY)
def test_do_block_that_only_changes_schema_or_reads_the_catalog(sql: str) -> None:
    s = only(sql)
    assert (s.kind, s.verb) == (StatementKind.DDL, "DO")


@pytest.mark.parametrize("sql", UNKNOWN)
def test_do_block_that_cannot_be_known(sql: str) -> None:
    s = only(sql)
    assert (s.kind, s.verb) == (StatementKind.UNKNOWN, "DO")


def test_placeholders_inside_a_do_body() -> None:
    s = only("DO $$ BEGIN UPDATE {} SET a = %s WHERE b = :b; END $$")
    assert (s.kind, s.tables) == (StatementKind.DML, ())
    s = only("DO $$ BEGIN UPDATE accounts SET a = {value}; END $$")
    assert (s.kind, s.tables) == (StatementKind.DML, ("accounts",))


def test_unparsable_body_with_a_data_verb_is_still_dml() -> None:
    s = only("DO $$ BEGIN UPDATE t SET a = ; !!! END $$")
    assert s.kind is StatementKind.DML


def test_unparsable_body_without_a_data_verb_is_unknown() -> None:
    s = only("DO $$ BEGIN ALTER TABLE t ADD c int ; !!! FOR UPDATE END $$")
    assert s.kind is StatementKind.UNKNOWN
