"""`reparse` gives `ast.parse`'s tree, or says it cannot.

Every spliced tree is compared with a full parse of the same text, `ast.dump` with positions;
when the full parse fails, `reparse` must not have produced a tree. Edits are generated over
real migrations and over a source that holds every block kind, every way to end a line and
the one-line forms, then chained (each version re-parsed from the previous splice). The fast
path must also be taken where it matters: typing in a line of a large migration.
"""

from __future__ import annotations

import ast
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from ddlguard.analysis.reparse import Parsed, ParseMemo, parsed, reparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).parents[2]
sys.path.insert(0, str(REPO / "bench"))
from corpus import long_migration  # noqa: E402

SHAPES = '''"""Every block kind, every way to end a line."""
import os; import sys
from alembic import op

revision = "a1"  # the id
down_revision = None
X = (1,
     2)
Y = 1 + \\
    2


@decorator
@other(
    1,
)
def upgrade() -> None:
    op.execute("UPDATE t SET a = 1");  # trailing semicolon
    if os.environ:
        op.execute("""
UPDATE t
  SET b = 2
""")
    elif sys.argv:
        pass
    else:
        x = 1; y = 2
    for i in range(3):
        continue
    else:
        z = 3
    while False:
        break
    try:
        a = 1
    except ValueError as exc:
        b = 2
    except (KeyError, TypeError):
        c = 3
    else:
        d = 4
    finally:
        e = 5
    with open("f") as f, open("g"):
        g = f.read()
    class Inner:
        attr = 1

        def method(self):
            return self.attr
    if a: b = 1
    w = 1 \\
    ;
    match a:
        case 1:
            pass
        case _:
            pass
    # a comment at the end of the body


async def other():
    async with a:
        await b
    async for x in y:
        pass
        # indented comment


def downgrade() -> None:
    pass
'''

PIECES = [
    "x", " ", "    ", "#", '"', "'", '"""', "(", ")", "[", "]", ":", "\\", "\n", "\n    ",
    "\n        ", ";", "@", "if x:", "else:", "elif y:", "pass", "return 1", "\t", "1", ",", "=",
    'op.execute("DELETE FROM t")', "\r\n", "\r", "\x00", "\ud800", "é", "def f():", "try:",
    "except:", "finally:", "# noqa", "\f", "u", "await z", "'''", 'f"{', "}", "match a:",
    "case 1:", "lambda: 0", "class C:", "with a:", "for i in x:", "\n\n", "except ValueError:",
    "#\\", "    else:", "\n@d", "*", "\\\n", "\\\n;", " \\\n    ;",
]  # fmt: skip


def sources() -> list[str]:
    found = [SHAPES, SHAPES.replace("\n", "\r\n"), long_migration(300, seed=5)]
    versions = REPO / "examples" / "backend" / "alembic" / "versions"
    found += [p.read_text() for p in sorted(versions.glob("*.py"))]
    return found


SOURCES = sources()
# the user's code is not ours to lint: `ast.parse` warns on `1if`, `"\d"` and the like
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")


def dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def full(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def check(previous: Parsed, source: str) -> tuple[Parsed | None, bool]:
    """`reparse`, asserted equal to the full parse: the new text's `Parsed` (None when it
    does not parse) and whether it was spliced."""
    spliced = reparse(previous, source)
    tree = full(source)
    if spliced is not None:
        assert tree is not None, "spliced a text that does not parse"
        assert dump(spliced.tree) == dump(tree)
        assert spliced.source == source
        return spliced, True
    return (parsed(source, tree) if tree is not None else None), False


def one_edit(rng: random.Random, source: str) -> str:
    """`source` with one span replaced, placed at a line start, a line end or anywhere."""
    lines = source.split("\n")
    row = rng.randrange(len(lines))
    offset = sum(len(line) + 1 for line in lines[:row])
    col = rng.choice([0, len(lines[row]), rng.randint(0, len(lines[row]))])
    removed = rng.choice([0, 0, 0, 1, 2, 5, 12, 40])
    inserted = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))
    return source[: offset + col] + inserted + source[offset + col + removed :]


def edits(source: str) -> st.SearchStrategy[str]:
    """`one_edit` driven by hypothesis (which then shrinks a failing edit)."""
    return st.randoms(use_true_random=False).map(lambda rng: one_edit(rng, source))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_edit_gives_the_full_parse(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SOURCES))
    check(parsed(source, ast.parse(source)), data.draw(edits(source)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_chained_edits_give_the_full_parse(data: st.DataObject) -> None:
    """Each version re-parsed from the previous one's splice (shared subtrees included)."""
    source = data.draw(st.sampled_from(SOURCES))
    previous: Parsed | None = parsed(source, ast.parse(source))
    for _ in range(12):
        assert previous is not None
        source = data.draw(edits(previous.source))
        following, _ = check(previous, source)
        previous = following or previous  # a text that does not parse keeps the last good one


def test_seeded_chains_of_edits_give_the_full_parse() -> None:
    rng = random.Random(2026)
    spliced = 0
    for _ in range(500):
        source = rng.choice(SOURCES)
        previous = parsed(source, ast.parse(source))
        for _ in range(6):
            following, short = check(previous, one_edit(rng, previous.source))
            spliced += short
            previous = following or previous
    assert spliced > 600  # the short way is taken, not only declined


def typed_line(source: str, marker: str) -> int:
    return next(i for i, line in enumerate(source.split("\n")) if marker in line)


def type_at(source: str, row: int, text: str, col: int | None = None) -> str:
    lines = source.split("\n")
    line = lines[row]
    col = len(line) if col is None else col
    lines[row] = line[:col] + text + line[col:]
    return "\n".join(lines)


BIG = long_migration(2000).replace("\n\n\ndef downgrade()", "\n    # typed \n\n\ndef downgrade()")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda s: type_at(s, typed_line(s, "# typed"), "m"), id="in-a-comment"),
        pytest.param(lambda s: type_at(s, typed_line(s, "sa.Column("), "x", col=8), id="in-code"),
        pytest.param(
            lambda s: s.replace("    # typed ", '    op.execute("DELETE FROM t")'),
            id="a-statement-after-the-last",
        ),
        pytest.param(
            lambda s: s.replace("    pass\n", "    pass\n    op.f()\n"), id="new-last-line"
        ),
    ],
)
def test_typing_in_a_large_migration_takes_the_short_way(edit: Callable[[str], str]) -> None:
    source = edit(BIG)
    memo = ParseMemo()
    memo.parse(BIG, "m.py")
    tree = memo.parse(source, "m.py")
    assert memo.reparsed == 1
    assert dump(tree) == dump(ast.parse(source))


def test_a_line_added_above_other_statements_is_parsed_in_full() -> None:
    """Every line below would move: the splice would need their positions rewritten."""
    rest = "".join(f"    y{n} = {n}\n" for n in range(8))
    source = "def f():\n    if a:\n        pass\n    x = 1\n\n\ndef g():\n" + rest
    previous = parsed(source, ast.parse(source))
    assert reparse(previous, source.replace("    pass\n", "    pass\n        y = 2\n", 1)) is None
    # the same line count: spliced, and `else:` attaches to the `if` above it
    edited = source.replace("    x = 1\n", "    else: x = 1\n")
    spliced = reparse(previous, edited)
    assert spliced is not None
    assert dump(spliced.tree) == dump(ast.parse(edited))


def test_a_text_that_does_not_parse_leaves_the_memo_alone() -> None:
    memo = ParseMemo()
    memo.parse(SHAPES, "m.py")
    kept = memo.last
    with pytest.raises(SyntaxError):
        memo.parse(SHAPES.replace("    pass\n", "    pass(\n", 1), "m.py")
    assert memo.last is kept
