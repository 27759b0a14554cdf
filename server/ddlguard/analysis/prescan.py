"""Which lines of a module may hold code the scope index must see at once (a text pre-check).

Walking every expression node costs about a quarter of `ast.parse`, and most of a migration is
`op.create_table(...)`-style calls that no rule looks into. `Index` indexes a simple statement
only when something asks about one of its nodes, unless its lines are "hot": they contain a
word that could be an executing method, a call of an imported name, a name of a local
function, a lambda, a comprehension or a walrus (these add scopes, bindings or calls the
detector must know about up front).

The check is one-sided by construction: a line is hot whenever the code on it *could* have
such a node; strings and comments can make a line hot, never cold. Identifiers are compared
as written, so a line with a non-ASCII character is always hot (Python normalises
identifiers with NFKC).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NAME_CHARS = _WORD_CHARS | {"."}
# a token no matter what precedes it: `1for x in y` and `1jfor` are valid comprehensions
_ALWAYS = (re.compile(r"lambda(?!\w)"), re.compile(r"for(?!\w)"), re.compile(r":="))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=1024)
def _words(words: frozenset[str]) -> list[re.Pattern[str]]:
    """One pattern per group of words sharing their first three letters (`execute`,
    `executemany`, `exec_driver_sql`): each pattern is one fast scan for its literal prefix."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[:3], []).append(word)
    patterns = []
    for group in groups.values():
        head = group[0]
        for word in group[1:]:
            while not word.startswith(head):
                head = head[:-1]
        tails = sorted((w[len(head) :] for w in group), key=len, reverse=True)
        rest = f"(?:{'|'.join(map(re.escape, tails))})" if len(group) > 1 else ""
        patterns.append(re.compile(f"{re.escape(head)}{rest}(?!\\w)"))
    return patterns


@functools.lru_cache(maxsize=1024)
def _prefix(prefix: str) -> re.Pattern[str]:
    return re.compile(re.escape(prefix))


@functools.lru_cache(maxsize=1024)
def _callee(name: str) -> re.Pattern[str]:
    """`name(`, also across blanks, comments, line continuations and closing parentheses
    (`(name)(...)` calls `name` too)."""
    return re.compile(re.escape(name) + r"(?:\s|\\|\)|#[^\n]*)*\(")


def _word_hits(
    text: str, words: frozenset[str], prefixes: Iterable[str]
) -> Iterator[tuple[int, int]]:
    """(start, end) of each of `words` as a whole identifier, and of each identifier start
    in `prefixes`, in `text`."""
    for pattern in [*_words(words), *map(_prefix, prefixes)]:
        for m in pattern.finditer(text):
            start = m.start()
            if not (start and text[start - 1] in _WORD_CHARS):
                yield start, m.end()


def mentions(text: str, words: frozenset[str], prefixes: tuple[str, ...] = ()) -> bool:
    """Does `text` hold one of `words` as a whole identifier, or an identifier starting with
    one of `prefixes`, anywhere (code, strings or comments)?

    A file where this is false cannot name the method or function such a word is, so a check
    that only looks at those calls can skip the file. Identifiers are compared as Python reads
    them: non-ASCII text is NFKC-normalised first (PEP 3131), so a fullwidth `execute` counts.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return next(_word_hits(text, words, prefixes), None) is not None


def normalise(source: str) -> str:
    """Line breaks as `ast` counts them (\\n, \\r\\n and a lone \\r), written as \\n."""
    return source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source


def hot_lines(
    text: str,
    *,
    words: Iterable[str] = (),
    prefixes: Iterable[str] = (),
    callees: Iterable[str] = (),
    always: bool = True,
) -> bytearray:
    """`out[line]` (1-based) is 1 when the line may hold one of the given tokens.

    `text` is `normalise`d. `words` are whole identifiers (attribute or name), `prefixes`
    identifiers starting so (`bulk_`), `callees` names called directly (`f(...)`, not
    `x.f(...)`). `always` adds lambdas, comprehensions, walruses and non-ASCII text.
    """
    hits = list(_word_hits(text, frozenset(words), prefixes))
    for pattern in map(_callee, callees):
        for m in pattern.finditer(text):
            start = m.start()
            if not (start and text[start - 1] in _NAME_CHARS):
                hits.append((start, m.end()))
    if always:
        patterns = [*_ALWAYS] if text.isascii() else [*_ALWAYS, _NON_ASCII]
        for pattern in patterns:
            hits.extend(m.span() for m in pattern.finditer(text))
    out = bytearray(text.count("\n") + 2)
    hits.sort()
    line, at = 1, 0
    for start, end in hits:
        line += text.count("\n", at, start)
        at = start
        last = line + text.count("\n", start, end)
        out[line : last + 1] = b"\x01" * (last + 1 - line)
    return out
