"""The evaluator's values compare as the dataclasses they were: by kind, then by fields.

They are tuples underneath (cheaper to create); a plain tuple would make `Module("op")` equal
to `Api("op")` (the `alembic.op` object), and `limit` would merge them.
"""

from __future__ import annotations

from ddlguard.analysis.values import (
    OP,
    Api,
    Module,
    Num,
    PeeweeRow,
    Seq,
    Table,
    Text,
    Unknown,
    limit,
)


def test_values_of_different_kinds_with_the_same_fields_differ() -> None:
    same_fields = [Module("op"), Api("op"), Table("op"), PeeweeRow("op"), Text("op")]
    for i, a in enumerate(same_fields):
        for j, b in enumerate(same_fields):
            assert (a == b) is (i == j)
            assert (a != b) is (i != j)
    assert Module("op") != OP and Api("op") == OP


def test_a_value_never_equals_a_plain_tuple() -> None:
    plain: tuple[str, ...] = ("a",)
    assert Text("a") != plain
    assert plain != Text("a")  # the tuple's own comparison defers to the subclass
    assert (Text("a") == plain) is False


def test_limit_keeps_kinds_apart_and_order() -> None:
    values = [Text("a"), Module("a"), Text("a"), Table("a"), Num(1), Num(True), Unknown()]
    assert limit(values) == (Text("a"), Module("a"), Table("a"), Num(1), Unknown())


def test_nested_values_compare_by_kind_too() -> None:
    assert Seq(((Text("a"),),)) == Seq(((Text("a"),),))
    assert Seq(((Text("a"),),)) != Seq(((Module("a"),),))
    assert hash(Seq(((Text("a"),),))) == hash(Seq(((Text("a"),),)))
