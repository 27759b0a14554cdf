"""The check path's records, without `dataclasses`.

A `@dataclass` compiles its methods with `exec` when its class is created (~3 M
instructions each on Python 3.11) and `dataclasses` imports `inspect` (~40 M with what it
pulls in): 56 of the 356 M of a one-file check (docs/performance.md). The frozen values of
the check path are NamedTuples; the mutable ones subclass `Record`, declare their fields in
`_fields`, write their own `__init__`, and get a dataclass's `==`, `repr`, a plain pickle
and `replace` (as `copy`) here. `EMPTY` is the NamedTuples' shared empty-mapping default.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, Self

# a NamedTuple's default is one object shared by every instance: so it must not be writable
EMPTY: Mapping[str, Any] = MappingProxyType({})


def pickled_with_fresh_empty(self: NamedTuple) -> tuple[type, tuple[Any, ...]]:
    """`__reduce__` for a NamedTuple defaulting to `EMPTY`: a mapping proxy cannot be
    pickled, so `EMPTY` travels as a fresh `{}` (forked workers send findings back)."""
    return type(self), tuple([{} if v is EMPTY else v for v in self])


class Record:
    """Equality and `repr` by the fields in `_fields`, as a dataclass's; unhashable, as a
    mutable dataclass is."""

    # the fields in order (`__init__`'s, pickling's, `repr`'s): each subclass sets
    # `_fields = (...)` then `__slots__ = _fields` (a literal `__slots__` would be sorted by
    # ruff's RUF023 fix)
    _fields: ClassVar[tuple[str, ...]] = ()
    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined, no-any-return]

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        """Pickled as its class and field values: the forked workers send results back."""
        return type(self), self._values()

    def copy(self, **changes: Any) -> Self:
        """A shallow copy with `changes` (`dataclasses.replace`'s job)."""
        values = dict(zip(self._fields, self._values(), strict=True))
        values.update(changes)
        return type(self)(**values)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"
