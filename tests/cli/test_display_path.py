"""`display_path` gives `Path.relative_to`'s answers, by string prefixes on POSIX."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from ddlguard.cli.formats import display_path
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(os.sep != "/", reason="the string path is POSIX's")

parts = st.sampled_from(["a", "b", "ab", "..", ".", "", "a b", "é", "x.py", "a/"])
paths = st.lists(parts, max_size=5).map("/".join)


def reference(path: str, cwd: str) -> str:
    """`display_path` as it was: two `Path`s and `relative_to`."""
    absolute = Path(os.path.normpath(os.path.join(cwd, path)))
    try:
        return absolute.relative_to(os.path.normpath(cwd)).as_posix()
    except ValueError:
        return absolute.as_posix()


@settings(max_examples=800, deadline=None)
@given(paths, paths, st.sampled_from(["", "/", "//", "///"]), st.sampled_from(["", "/", "//"]))
def test_same_as_relative_to(path: str, cwd: str, path_root: str, cwd_root: str) -> None:
    p, c = path_root + path, (cwd_root + cwd) or "."
    assert display_path(Path(p), Path(c)) == reference(p, c)


def test_examples() -> None:
    assert display_path(Path("alembic/versions/a.py"), Path("/p")) == "alembic/versions/a.py"
    assert display_path(Path("/p/v/a.py"), Path("/p")) == "v/a.py"
    assert display_path(Path("/pq/a.py"), Path("/p")) == "/pq/a.py"  # a prefix, not a parent
    assert display_path(Path("/p"), Path("/p")) == "."
    assert display_path(Path("/etc/x"), Path("/")) == "etc/x"
    assert PurePosixPath(display_path(Path("../x.py"), Path("/p/q"))) == PurePosixPath("/p/x.py")
