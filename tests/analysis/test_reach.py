"""Which migration function runs each finding (`phase`), through helpers, without looping forever."""

from __future__ import annotations

from .helpers import analyse, only


def test_helpers_called_transitively_get_the_phase() -> None:
    found = analyse(
        """
        from alembic import op
        def _inner():
            op.execute("UPDATE a SET x = 1")
        def _outer():
            _inner()
        def _down_helper():
            op.execute("DELETE FROM b")
        def upgrade():
            _outer()
        def downgrade():
            _down_helper()
        """
    )
    assert [(f.data["function"], f.data["phase"]) for f in found] == [
        ("_inner", "upgrade"),
        ("_down_helper", "downgrade"),
    ]


def test_recursion_terminates() -> None:
    found = analyse(
        """
        from alembic import op
        def ping(n):
            op.execute("UPDATE a SET x = 1")
            pong(n)
        def pong(n):
            ping(n - 1)
        def upgrade():
            ping(3)
        """
    )
    assert [(f.data["function"], f.data["phase"]) for f in found] == [("ping", "upgrade")]


def test_helper_passed_as_a_callback_is_reached() -> None:
    finding = only(
        """
        from alembic import op
        def _fill():
            op.execute("UPDATE a SET x = 1")
        def upgrade():
            for step in (_fill,):
                step()
        """
    )
    assert finding.data["phase"] == "upgrade"


def test_helper_of_both_phases_is_not_movable() -> None:
    finding = only(
        """
        from alembic import op
        def _reset():
            op.execute("DELETE FROM cache")
        def upgrade():
            _reset()
        def downgrade():
            _reset()
        """
    )
    assert finding.data["phase"] == "upgrade"
    assert (
        finding.fix is not None
        and finding.fix.reason == "it runs in both upgrade() and downgrade()"
    )


def test_nested_function_in_upgrade() -> None:
    finding = only(
        """
        from alembic import op
        def upgrade():
            def fill():
                op.execute("UPDATE a SET x = 1")
            fill()
        """
    )
    assert (finding.data["function"], finding.data["phase"]) == ("fill", "upgrade")


def test_module_level_code_is_analysed_with_no_phase() -> None:
    finding = only(
        'from alembic import op\nop.execute("DELETE FROM a")\ndef upgrade():\n    pass\n'
    )
    assert finding.message == "DELETE on a at module level"
    assert (finding.data["function"], finding.data["phase"]) == (None, None)


def test_multidb_template_functions_are_roots() -> None:
    finding = only(
        'from alembic import op\ndef upgrade_engine1():\n    op.execute("DELETE FROM a")\n'
    )
    assert finding.data["phase"] == "upgrade"
