"""`Record`: the mutable records of a `check` run, without `dataclasses`.

A `@dataclass` compiles its methods with `exec` when its class is created (~3 M
instructions each on Python 3.11) and `dataclasses` imports `inspect` (~40 M with what it
pulls in): together a quarter of a one-file check (docs/performance.md). The frozen values
of the check path are NamedTuples; the mutable ones subclass `Record`, declare their fields
in `_fields`, write their own `__init__`, and get a dataclass's `==`, `repr` and a plain pickle here.
"""

from __future__ import annotations

from typing import Any, ClassVar


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

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"
