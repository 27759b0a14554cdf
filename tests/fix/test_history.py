"""`revision_context`: which migrations are new (heads, files added since the diff-base)."""

from __future__ import annotations

from pathlib import Path

from ddlguard.fix.context import revision_context
from ddlguard.model import MigrationInfo


def info(rev: str, *parents: str) -> MigrationInfo:
    return MigrationInfo(rev, tuple(parents), (), (), None, True, True)


GRAPH = [
    (Path("/v/a.py"), info("a")),
    (Path("/v/b.py"), info("b", "a")),
    (Path("/v/c.py"), info("c", "b")),
]


def read(path: Path) -> str:
    return f"# {path.name}\n"


def test_a_head_is_new_and_an_ancestor_is_old() -> None:
    head = revision_context(Path("/v/c.py"), info("c", "b"), GRAPH, new_paths=None, read=read)
    assert head.is_new and head.children == () and head.order == 2
    old = revision_context(Path("/v/a.py"), info("a"), GRAPH, new_paths=None, read=read)
    assert not old.is_new
    assert old.why_old == "revision b builds on it"
    assert [c.revision for c in old.children] == ["b"]
    assert old.order == 0 and old.existing_revisions == {"a", "b", "c"}


def test_a_file_added_since_the_diff_base_is_new_with_its_new_descendants() -> None:
    added = {Path("/v/b.py"), Path("/v/c.py")}
    ctx = revision_context(
        Path("/v/b.py"), info("b", "a"), GRAPH, new_paths=added, read=read, diff_base="main"
    )
    assert ctx.is_new
    assert [c.revision for c in ctx.children] == ["c"]
    assert [c.revision for c in ctx.new_descendants] == ["c"]
    assert ctx.new_descendants[0].source == "# c.py\n"
    old = revision_context(
        Path("/v/a.py"), info("a"), GRAPH, new_paths=added, read=read, diff_base="main"
    )
    assert (
        not old.is_new and old.why_old == "revision b builds on it, and it was not added since main"
    )


def test_cycles_do_not_hang_the_depth() -> None:
    graph = [(Path("/v/x.py"), info("x", "y")), (Path("/v/y.py"), info("y", "x"))]
    ctx = revision_context(Path("/v/x.py"), info("x", "y"), graph, new_paths=None, read=read)
    assert not ctx.is_new
