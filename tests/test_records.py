"""`ddlguard.records.Record`: the check path's mutable records behave as the dataclasses they
replaced (field order, equality, repr, pickling, copies)."""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest
from ddlguard.graph import Graph, Node
from ddlguard.model import FileResult, Finding, MigrationInfo, Range, Severity
from ddlguard.paths import Resolver
from ddlguard.project import Discovery, Project
from ddlguard.records import Record
from ddlguard.runner import CheckRun
from ddlguard.settings import Settings

INFO = MigrationInfo("a", ("b",), (), (), "msg", True, False, 3, 4)
FINDING = Finding("DG001", "m", Severity.ERROR, Range.of(1, 0, 1, 4))


def samples() -> list[Record]:
    project = Project(Path("/p"), Path("/p/alembic.ini"), [Path("/p/v")], "sqlite", ["x"], [])
    result = FileResult(Path("/p/v/a.py"), [FINDING], True, INFO, None)
    return [
        result,
        project,
        Discovery([project], [(Path("/p/v/a.py"), project)], ["p"], {"/p/v/a.py"}, {}),
        Node(Path("/p/v/a.py"), INFO),
        Graph([Node(Path("/p/v/a.py"), INFO)], 2),
        CheckRun([], ["problem"], pending=["s.sql"]),
    ]


RECORDS = [type(r) for r in samples()]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_init_takes_the_fields_in_slot_order(cls: type[Record]) -> None:
    """Pickling rebuilds a record by calling its class with the values in `__slots__` order."""
    params = list(inspect.signature(cls.__init__).parameters)[1:]
    assert params == list(cls._fields)
    assert cls.__slots__ == cls._fields
    assert not hasattr(cls(*[None] * len(params)), "__dict__")  # slotted, as before


@pytest.mark.parametrize(
    # a `CheckRun` is never pickled: its `Resolver` compares by identity
    "record",
    [r for r in samples() if not isinstance(r, CheckRun)],
    ids=lambda r: type(r).__name__,
)
def test_pickle_equality_and_repr(record: Record) -> None:
    back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is type(record) and back == record and back is not record
    for name in type(record)._fields:
        assert getattr(back, name) == getattr(record, name)
    assert repr(record).startswith(f"{type(record).__name__}({type(record)._fields[0]}=")


def test_equality_is_by_fields_and_kind() -> None:
    a = FileResult(Path("x.py"), [], True)
    b = FileResult(Path("x.py"), [], True)
    assert a == b
    assert (a != b) is False
    b.is_migration = False
    assert a != b
    assert Node(Path("x.py"), INFO) != FileResult(Path("x.py"), [], True, INFO)
    with pytest.raises(TypeError):
        hash(a)  # mutable: never a dict key by accident


def test_defaults_are_fresh_per_record() -> None:
    one, two = CheckRun([]), CheckRun([])
    one.problems.append("p")
    one.found_projects["x"] = []
    assert two.problems == [] and two.found_projects == {}
    assert isinstance(one.resolver, Resolver) and one.resolver is not two.resolver
    shared: list[str] = []
    assert CheckRun([], problems=shared).problems is shared  # given lists are kept, not copied
    p, q = Project(Path("/p")), Project(Path("/q"))
    p.version_dirs.append(Path("/p/v"))
    assert q.version_dirs == [] and Graph().nodes is not Graph().nodes


@pytest.mark.parametrize(
    "record, changes",
    [
        (FileResult(Path("x.py"), [FINDING], True, INFO), {"is_migration": False}),
        (CheckRun([], ["p"]), {"pending": ["s.sql"]}),
    ],
)
def test_copy_changes_only_what_it_is_told(record: Any, changes: dict[str, Any]) -> None:
    copied = record.copy(**changes)
    assert type(copied) is type(record) and copied is not record
    for name in type(record)._fields:
        want = changes.get(name, getattr(record, name))
        assert getattr(copied, name) is want
    with pytest.raises(TypeError):
        record.copy(no_such_field=1)


def test_finding_data_default_is_read_only_and_shared_safely() -> None:
    """The NamedTuple default is one object for every finding: it must not be writable."""
    with pytest.raises(TypeError):
        FINDING.data["x"] = 1  # type: ignore[index]
    assert FINDING._replace(severity=Severity.INFO).data == {}
    back = pickle.loads(pickle.dumps(FINDING))
    assert back == FINDING and back.data == {} and type(back) is Finding
    with_data = FINDING._replace(data={"sql": "UPDATE t"})
    assert pickle.loads(pickle.dumps(with_data)).data == {"sql": "UPDATE t"}
    for settings in (Settings(), Settings(severity={"DG001": Severity.INFO})):  # same default
        assert pickle.loads(pickle.dumps(settings)) == settings
