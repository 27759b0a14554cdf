"""A scripts folder where every name is taken ends the search with a reason, never a loop."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ddlguard.fix.model import NotMovable
from ddlguard.fix.naming import MAX_SUFFIX, script_names


def test_every_name_taken_is_a_reason_not_a_hang(tmp_path: Path) -> None:
    asked: list[Path] = []

    def taken(path: Path) -> bool:
        asked.append(path)
        return True

    with pytest.raises(NotMovable, match="is taken"):
        script_names(
            tmp_path, datetime.date(2026, 1, 2), "x", upgrade=True, downgrade=False, exists=taken
        )
    assert len(asked) == MAX_SUFFIX


def test_the_last_free_suffix_is_still_found(tmp_path: Path) -> None:
    last = tmp_path / f"2026-01-02-x-{MAX_SUFFIX}.sql"
    up, down = script_names(
        tmp_path, datetime.date(2026, 1, 2), "x", upgrade=True, downgrade=False,
        exists=lambda p: p != last,
    )  # fmt: skip
    assert up == last and down is None
