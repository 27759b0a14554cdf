"""Golden before/after cases: migration in → migration out + script, with the real engine's findings.

In libcst's CodemodTest style: each case is the whole input text, the whole expected text and
the expected script body (the header is tested once in test_script.py).
"""

from __future__ import annotations

from pathlib import Path

from ddlguard.settings import Settings

from .helpers import body, findings_of, migration, plan, script

UP = "2026-11-25-backfill-names.sql"
DOWN = "2026-11-25-backfill-names-rollback.sql"


def test_inline_sql_moves_verbatim_and_leaves_a_comment(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            op.add_column("users", sa.Column("name", sa.String()))
            # names for old rows
            op.execute("UPDATE users SET name = 'o''brien' WHERE name IS NULL")  # ticket 12
            op.create_index("ix_orders_total", "orders", ["total"])


        def downgrade():
            op.drop_column("users", "name")
    """)
    after = migration("""

        def upgrade():
            op.add_column("users", sa.Column("name", sa.String()))
            # names for old rows
            # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            op.create_index("ix_orders_total", "orders", ["total"])


        def downgrade():
            op.drop_column("users", "name")
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after
    assert [f.path.name for f in result.new_files] == [UP]
    assert body(script(result, UP)) == (
        "BEGIN;\n\n-- names for old rows\n-- ticket 12\n"
        "UPDATE users SET name = 'o''brien' WHERE name IS NULL;\n\nCOMMIT;\n"
    )


def test_bind_and_text_helpers_left_unused_are_removed(tmp_path: Path) -> None:
    before = migration("""
        from sqlalchemy import text

        BACKFILL = "UPDATE users SET active = true"


        def upgrade():
            conn = op.get_bind()
            conn.execute(text(BACKFILL))
    """)
    after = migration("""

        def upgrade():
            # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            pass
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after
    assert "UPDATE users SET active = true;" in script(result, UP)


def test_helper_still_used_elsewhere_is_kept(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            conn = op.get_bind()
            conn.execute(sa.text("DELETE FROM sessions"))
            conn.execute(sa.text("CREATE INDEX ix_a ON a (b)"))
    """)
    after = migration("""

        def upgrade():
            conn = op.get_bind()
            # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            conn.execute(sa.text("CREATE INDEX ix_a ON a (b)"))
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after


def test_multi_statement_string_keeps_its_ddl_in_the_migration(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            op.execute("ALTER TABLE users ADD COLUMN age int; UPDATE users SET age = 0")
    """)
    after = migration("""

        def upgrade():
            # Data statements moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            op.execute("ALTER TABLE users ADD COLUMN age int;")
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after
    assert body(script(result, UP)) == "BEGIN;\n\nUPDATE users SET age = 0;\n\nCOMMIT;\n"


def test_bulk_insert_renders_exact_literals_and_drops_its_table_and_imports(tmp_path: Path) -> None:
    before = migration("""
        import datetime
        from sqlalchemy.dialects import postgresql

        plans = sa.table(
            "plans",
            sa.column("code", sa.String),
            sa.column("name", sa.String),
            sa.column("active", sa.Boolean),
            sa.column("price", sa.Numeric),
            sa.column("starts", sa.Date),
            sa.column("created", sa.DateTime),
            sa.column("meta", postgresql.JSONB),
        )


        def upgrade():
            op.bulk_insert(
                plans,
                [
                    {"code": "free", "name": "O'Brien's", "active": True, "price": 0,
                     "starts": datetime.date(2024, 1, 31), "meta": {"tier": [1, None]}},
                    {"code": "pro", "name": None, "active": False, "price": 9.5,
                     "created": datetime.datetime(2024, 2, 1, 13, 30)},
                ],
            )
    """)
    after = migration("""

        def upgrade():
            # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            pass
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after
    text = script(result, UP)
    assert (
        "INSERT INTO plans (code, name, active, price, starts, meta) VALUES "
        "('free', 'O''Brien''s', true, 0, '2024-01-31', '{\"tier\": [1, null]}');"
    ) in text
    assert (
        "INSERT INTO plans (code, name, active, price, created) VALUES "
        "('pro', NULL, false, 9.5, '2024-02-01 13:30:00');"
    ) in text
    assert "-- was: op.bulk_insert(" in text  # the reviewer sees what the SQL came from


def test_bulk_insert_into_a_table_created_by_the_migration(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            plans = op.create_table(
                "plans",
                sa.Column("code", sa.String(20), primary_key=True),
                sa.Column("cents", sa.Integer(), nullable=False),
            )
            op.bulk_insert(plans, [{"code": "free", "cents": 0}])
    """)
    result = plan(tmp_path, before)
    # the create_table call is schema: it stays, with its assignment
    assert "plans = op.create_table(" in result.new_source
    assert "op.bulk_insert" not in result.new_source
    assert "INSERT INTO plans (code, cents) VALUES ('free', 0);" in script(result, UP)


def test_core_update_delete_insert_render_for_the_dialect(tmp_path: Path) -> None:
    before = migration("""
        accounts = sa.table(
            "accounts",
            sa.column("id", sa.Integer),
            sa.column("active", sa.Boolean),
            sa.column("note", sa.String),
            schema="billing",
        )


        def upgrade():
            op.add_column("accounts", sa.Column("active", sa.Boolean()), schema="billing")
            op.execute(accounts.update().where(accounts.c.id.in_([1, 2])).values(active=True))
            op.execute(sa.delete(accounts).where(accounts.c.note.like("tmp%")))
            op.execute(accounts.insert().values(id=3, active=False, note="50% off"))
    """)
    after = migration("""

        def upgrade():
            op.add_column("accounts", sa.Column("active", sa.Boolean()), schema="billing")
            # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after
    text = script(result, UP)
    assert "UPDATE billing.accounts SET active=true WHERE billing.accounts.id IN (1, 2);" in text
    assert "DELETE FROM billing.accounts WHERE billing.accounts.note LIKE 'tmp%';" in text
    assert "INSERT INTO billing.accounts (id, active, note) VALUES (3, false, '50% off');" in text
    # source order is kept
    assert text.index("UPDATE") < text.index("DELETE") < text.index("INSERT INTO")


def test_core_for_sqlite_renders_booleans_as_integers(tmp_path: Path) -> None:
    before = migration("""
        t = sa.table("t", sa.column("flag", sa.Boolean))


        def upgrade():
            op.execute(t.update().values(flag=True))
    """)
    result = plan(tmp_path, before, dialect="sqlite")
    assert "UPDATE t SET flag=1;" in script(result, UP)


def test_downgrade_data_goes_to_the_rollback_script(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            op.execute("INSERT INTO flags (name) VALUES ('beta')")


        def downgrade():
            op.execute("DELETE FROM flags WHERE name = 'beta'")
    """)
    result = plan(tmp_path, before)
    assert {f.path.name for f in result.new_files} == {UP, DOWN}
    assert "INSERT INTO flags" in script(result, UP) and "DELETE" not in script(result, UP)
    assert "DELETE FROM flags WHERE name = 'beta';" in script(result, DOWN)
    assert "# Data change moved to scripts/sql/" + DOWN in result.new_source


def test_noqa_statement_is_untouched(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            op.execute("UPDATE a SET b = 1")  # noqa: DG001
            op.execute("UPDATE c SET d = 1")
    """)
    result = plan(tmp_path, before)
    assert 'op.execute("UPDATE a SET b = 1")  # noqa: DG001' in result.new_source
    assert "UPDATE c" not in result.new_source
    assert "UPDATE a" not in script(result, UP)


def test_values_computed_at_run_time_are_not_moved(tmp_path: Path) -> None:
    before = migration("""
        import os


        def upgrade():
            op.execute(sa.text("UPDATE a SET b = :b").bindparams(b=os.environ["B"]))
            for name in ("x", "y"):
                op.execute(f"DELETE FROM {name}")
    """)
    result = plan(tmp_path, before)
    assert result.new_source == before
    assert result.new_files == ()


def test_transaction_off_writes_no_begin_commit(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            op.execute("UPDATE a SET b = 1")
    """)
    result = plan(tmp_path, before, settings=Settings(transaction=False))
    assert body(script(result, UP)) == "UPDATE a SET b = 1;\n"


def test_crlf_and_non_ascii_survive_byte_for_byte(tmp_path: Path) -> None:
    before = migration("""
        # données: ünïcode 🎉

        def upgrade():
            op.add_column("t", sa.Column("é", sa.String()))
            op.execute("UPDATE t SET é = 'ça va 🎉'")
    """).replace("\n", "\r\n")
    result = plan(tmp_path, before)
    assert "\n" not in result.new_source.replace("\r\n", "")
    assert "# données: ünïcode 🎉\r\n" in result.new_source
    assert "    # Data change moved to scripts/sql/" + UP + " (ddlguard).\r\n" in result.new_source
    assert "UPDATE t SET é = 'ça va 🎉';" in script(result, UP)


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    before = migration("""

        def upgrade():
            conn = op.get_bind()
            conn.execute(sa.text("UPDATE a SET b = 1"))
    """)
    first = plan(tmp_path, before)
    for f in first.new_files:
        f.path.parent.mkdir(parents=True, exist_ok=True)
        f.path.write_text(f.content, "utf-8")
    assert findings_of(first.new_source) == []
    second = plan(tmp_path, first.new_source)
    assert second.new_source == first.new_source
    assert second.new_files == () and second.edits == ()


def test_with_block_left_empty_gets_pass_and_parenthesized_import_loses_one_name(
    tmp_path: Path,
) -> None:
    before = migration("""
        from sqlalchemy import (
            column,
            table,
            text,
        )

        users = table("users", column("id"))


        def upgrade():
            with op.get_context().autocommit_block():
                op.execute(text("DELETE FROM users WHERE id < 0"))
            op.create_index("ix_users_id", "users", ["id"])
    """)
    after = migration("""
        from sqlalchemy import (
            column,
            table,
        )

        users = table("users", column("id"))


        def upgrade():
            with op.get_context().autocommit_block():
                # Data change moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
                pass
            op.create_index("ix_users_id", "users", ["id"])
    """)
    result = plan(tmp_path, before)
    assert result.new_source == after


def test_f_string_over_module_constants_moves_its_value(tmp_path: Path) -> None:
    before = migration("""
        TABLE = "accounts"


        def upgrade():
            op.execute(f"UPDATE {TABLE} SET plan = 'free' WHERE plan IS NULL")
    """)
    result = plan(tmp_path, before)
    text = script(result, UP)
    assert "UPDATE accounts SET plan = 'free' WHERE plan IS NULL;" in text
    assert '-- was: op.execute(f"UPDATE {TABLE}' in text  # built in Python: the source is shown
    assert 'TABLE = "accounts"' not in result.new_source  # the constant only fed the moved SQL


def test_ddl_kept_in_text_and_triple_quotes(tmp_path: Path) -> None:
    before = migration('''

        def upgrade():
            op.execute(sa.text("""
                CREATE INDEX ix_a ON a (b);
                UPDATE a SET b = lower(b);
            """))
    ''')
    after = migration('''

        def upgrade():
            # Data statements moved to scripts/sql/2026-11-25-backfill-names.sql (ddlguard).
            op.execute(sa.text("""
                CREATE INDEX ix_a ON a (b);
            """))
    ''')
    result = plan(tmp_path, before)
    assert result.new_source == after
    assert "UPDATE a SET b = lower(b);" in script(result, UP)


def test_bom_is_kept(tmp_path: Path) -> None:
    before = "\ufeff" + migration("""

        def upgrade():
            op.execute("UPDATE a SET b = 1")
    """)
    result = plan(tmp_path, before)
    assert result.new_source.startswith("\ufeff")
    assert "UPDATE a" not in result.new_source
    assert all(e.range.start.line > 1 for e in result.edits)


def test_one_name_leaves_an_import_line(tmp_path: Path) -> None:
    before = migration("""
        from sqlalchemy import text, column  # both from sqlalchemy

        c = column("x")


        def upgrade():
            op.execute(text("UPDATE a SET b = 1"))
            op.add_column("a", c)
    """)
    result = plan(tmp_path, before)
    assert "from sqlalchemy import column  # both from sqlalchemy\n" in result.new_source
    assert 'c = column("x")' in result.new_source
