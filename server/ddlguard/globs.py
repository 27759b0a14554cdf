"""`include`/`exclude` globs, matched without backtracking.

A config file is untrusted text: translated to a regular expression, a glob with many `*`
backtracks exponentially (48 of them took 8 s, 5,000 never ended), and a `[z-a]` made
`re.compile` raise on every file. Here a glob is parsed once into folder-name parts, each a
list of chunks between `*`s; a name is matched by finding each chunk leftmost in turn (greedy
leftmost is exact for `*`, so no choice is ever revisited), and `**` parts are matched against
folders by a table over (part, folder): time is bounded by the product of the lengths.

Syntax (gitignore-like): `*` and `?` match within one folder or file name, a `**` part any
number of folders (elsewhere `**` is a `*`), `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`) one
character other than `/`; `]` first in a class is literal. A pattern without `/` matches a
name at any depth; one with `/` is anchored and matches the path or one of its folders.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

Matcher = str | tuple[bool, frozenset[str], tuple[tuple[str, str], ...]] | None
# a chunk's character matchers: a literal character, None for `?`, or a class
# (negated, single characters, ranges)


class GlobError(ValueError):
    """A glob that cannot be read, with why (an unclosed `[`, a reversed range...)."""


class NamePattern(NamedTuple):
    """One folder-or-file-name part: chunks separated by `*` (`starred`: at least one `*`)."""

    chunks: tuple[tuple[Matcher, ...], ...]
    starred: bool

    def matches(self, name: str) -> bool:
        chunks = self.chunks
        if not self.starred:
            return len(name) == len(chunks[0]) and _at(chunks[0], name, 0)
        first, last = chunks[0], chunks[-1]
        if len(first) + len(last) > len(name):
            return False
        if not _at(first, name, 0) or not _at(last, name, len(name) - len(last)):
            return False
        pos, end = len(first), len(name) - len(last)
        for chunk in chunks[1:-1]:
            found = _find(chunk, name, pos, end)
            if found < 0:
                return False
            pos = found + len(chunk)
        return True


def _char_ok(matcher: Matcher, c: str) -> bool:
    if matcher is None:
        return c != "/"
    if isinstance(matcher, str):
        return matcher == c
    negated, singles, ranges = matcher
    inside = c in singles or any(lo <= c <= hi for lo, hi in ranges)
    return c != "/" and inside != negated


def _at(chunk: tuple[Matcher, ...], name: str, pos: int) -> bool:
    return all(_char_ok(m, name[pos + i]) for i, m in enumerate(chunk))


def _find(chunk: tuple[Matcher, ...], name: str, start: int, end: int) -> int:
    """The leftmost offset in [start, end - len(chunk)] where `chunk` matches, else -1."""
    if all(isinstance(m, str) for m in chunk):
        return name.find("".join(chunk), start, end)  # type: ignore[arg-type]
    for pos in range(start, end - len(chunk) + 1):
        if _at(chunk, name, pos):
            return pos
    return -1


ANY_FOLDERS = "**"


class Glob(NamedTuple):
    """A parsed glob: name parts (or `ANY_FOLDERS`), and whether it is anchored (had a `/`)."""

    text: str
    parts: tuple[NamePattern | str, ...]
    anchored: bool

    def matches(self, names: list[str]) -> bool:
        """Does the glob match the relative path `names` (or one of its folders)?"""
        if not self.anchored:
            only = self.parts[0]
            return only == ANY_FOLDERS or any(only.matches(n) for n in names)  # type: ignore[union-attr]
        return _match_parts(self.parts, names)


def _match_parts(parts: tuple[NamePattern | str, ...], names: list[str]) -> bool:
    """Pattern parts against a prefix of `names` (at least one name), by a table: no backtracking."""
    n, m = len(parts), len(names)
    # row[j]: parts[i:] match names[j:j'] for some j' >= max(j, 1) ... filled from the end
    below = [j >= 1 for j in range(m + 1)]  # parts exhausted: any rest of the path is fine
    for i in range(n - 1, -1, -1):
        part = parts[i]
        row = [False] * (m + 1)
        for j in range(m, -1, -1):
            if part == ANY_FOLDERS:
                row[j] = below[j] or (j < m and row[j + 1])
            else:
                row[j] = j < m and part.matches(names[j]) and below[j + 1]  # type: ignore[union-attr]
        below = row
    return below[0]


def _parse_class(text: str, start: int) -> tuple[Matcher, int]:
    """The class opening at `text[start] == "["`, and the index after its `]`."""
    i = start + 1
    negated = i < len(text) and text[i] in "!^"
    if negated:
        i += 1
    singles: set[str] = set()
    ranges: list[tuple[str, str]] = []
    first = True
    while i < len(text) and (text[i] != "]" or first):
        first = False
        c = text[i]
        if i + 2 < len(text) and text[i + 1] == "-" and text[i + 2] != "]":
            lo, hi = c, text[i + 2]
            if lo > hi:
                raise GlobError(f"the range {lo}-{hi} in {text!r} is reversed")
            ranges.append((lo, hi))
            i += 3
        else:
            singles.add(c)
            i += 1
    if i >= len(text):
        raise GlobError(f"{text!r} opens a [ that is never closed")
    return (negated, frozenset(singles), tuple(ranges)), i + 1


def _parse_name(text: str) -> NamePattern:
    chunks: list[tuple[Matcher, ...]] = []
    current: list[Matcher] = []
    starred = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "*":
            starred = True
            chunks.append(tuple(current))
            current = []
            while i < len(text) and text[i] == "*":  # `a**b`: one star
                i += 1
            continue
        if c == "?":
            current.append(None)
        elif c == "[":
            matcher, i = _parse_class(text, i)
            current.append(matcher)
            continue
        else:
            current.append(c)
        i += 1
    chunks.append(tuple(current))
    return NamePattern(tuple(chunks), starred)


def normalize(pattern: str) -> str:
    """The pattern as matched: trimmed, `\\` as `/`, no leading `./` or trailing `/`."""
    return pattern.strip().replace("\\", "/").removeprefix("./").rstrip("/")


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str) -> Glob:
    """Parse a glob; GlobError says why it cannot be read (an empty one matches nothing)."""
    text = normalize(pattern)
    if not text:
        raise GlobError(f"{pattern!r} is empty")
    names = [n for n in text.split("/") if n]
    parts: list[NamePattern | str] = []
    for name in names:
        if name == ANY_FOLDERS:
            if not parts or parts[-1] != ANY_FOLDERS:
                parts.append(ANY_FOLDERS)
        else:
            parts.append(_parse_name(name))
    return Glob(text, tuple(parts), anchored="/" in text)
