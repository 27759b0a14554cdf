"""`ddlguard.sql.libpg` loads pglast's parser without its node classes, and breaks nothing.

Each check runs in a fresh interpreter: what is imported is the point.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_parser_loads_without_running_pglast_ast_and_enums() -> None:
    out = run(
        """
        import sys
        from ddlguard.sql import libpg
        p = libpg.parser()
        assert '"UpdateStmt"' in p.parse_sql_json("UPDATE t SET a = 1")
        # pglast.ast defines a class per node; pglast.enums imports a module per C header
        print("SelectStmt" in vars(sys.modules["pglast.ast"]), "pglast.enums.nodes" in sys.modules)
        """
    )
    assert out == "False False"


def test_pglast_still_works_in_full_after_it() -> None:
    out = run(
        """
        from ddlguard.sql import libpg
        libpg.parser()
        import pglast
        from pglast import ast, enums
        from pglast.enums import SetOperation
        node = pglast.parse_sql("SELECT a FROM b UNION SELECT c FROM d")[0].stmt
        print(type(node).__name__, node.op is SetOperation.SETOP_UNION,
              isinstance(node, ast.SelectStmt), pglast.ast is ast, enums.SetOperation(0).name)
        """
    )
    assert out == "SelectStmt True True True SETOP_NONE"


def test_pglast_imported_first_is_used_as_it_is() -> None:
    out = run(
        """
        import pglast, pglast.parser
        from ddlguard.sql import libpg
        print(libpg.parser() is pglast.parser, type(pglast.ast).__name__)
        """
    )
    assert out == "True module"


def test_classification_is_the_same_either_way() -> None:
    code = """
        {first}
        from ddlguard.sql import classify_sql
        sql = "DO $$ BEGIN UPDATE t SET a = 1; END $$; CREATE INDEX i ON t (a); DELETE FROM u"
        print([(s.kind.name, s.verb, s.tables) for s in classify_sql(sql)])
        """
    deferred = run(code.format(first=""))
    plain = run(code.format(first="import pglast"))
    assert deferred == plain
    assert "DML" in deferred and "DDL" in deferred
