"""Re-parsing only what an edit changed, for the documents open in the language server.

`ast.parse` of a 2,000-line migration is most of its analysis, and a keystroke changes one
line. `reparse` takes the previous text and its tree and, when the change lies inside one
block of statements, parses only that stretch of lines and splices the new statements into a
copy of the path from the module down to the block; everything else is shared with the old
tree. The result is the tree `ast.parse` gives for the new text, positions included, or None
when that cannot be shown cheaply (the caller then parses the whole text). Pure: no I/O.

Why the splice is `ast.parse`'s tree. The old text is P + F + S and the new one P + F' + S, all
whole lines. P ends a statement of block B with nothing after it on its line but a comment (no
backslash), or a header that the block's first line follows. S starts the next statement of B,
or, when B and its containers all end there (no `else:` or `except` can sit in between), the
next statement after them, or is empty. F' is parsed alone at its own line numbers: at module
level as is, inside a block under an `if 1:` placed on the line above it. When that parse
succeeds with its statements at B's indentation, F' leaves no bracket, string or backslash
open, so S is tokenized as before: its first line dedents to B's level or lower, closing F''s
own blocks as the end of the standalone text did. `ast.parse` leaves context to the compiler
(`return` outside a function, `await`, where `__future__` imports sit), so F''s statements are
the same trees wherever they stand. S keeps its line numbers only when the line count is
unchanged, so an edit that adds or removes lines is spliced only when S is empty. The
containers on the path get their ends again from their blocks' last tokens (a `;` after a
simple statement included). Tabs and form feeds in F', and lone carriage returns anywhere
(indentation and line breaks Python counts its own way), fall back to the full parse. `tests/analysis/test_reparse.py` compares every spliced tree with
`ast.parse`'s, attributes included, over generated edits.
"""

from __future__ import annotations

import ast
import copy
from typing import NamedTuple

# the lists of each compound node that hold statements (or handlers), in source order: its end
# is the end of the last element of the last non-empty one
_BLOCKS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.TryStar: ("body", "handlers", "orelse", "finalbody"),
    ast.ExceptHandler: ("body",),
}


# stretches tried, innermost first, before parsing the whole text: each one that fails (a
# transient syntax error, a deep nest of blocks) costs a parse of its lines
_TRIES = 3


class Parsed(NamedTuple):
    """A text with its tree, as `reparse` needs them for the next version."""

    source: str
    lines: list[str]  # `source.split("\n")`
    tree: ast.Module


def parsed(source: str, tree: ast.Module) -> Parsed:
    return Parsed(source, source.split("\n"), tree)


class _Step(NamedTuple):
    """One step down from the module: `node` is `outer[position]`, and the step goes on into the
    list `getattr(node, field)`."""

    outer: list[ast.AST]
    position: int
    field: str

    @property
    def node(self) -> ast.AST:
        return self.outer[self.position]


class _Stretch(NamedTuple):
    """What is re-parsed: old statements `block[lo:hi]` on old lines `first..last` (1-based)."""

    chain: list[_Step]
    block: list[ast.AST]
    lo: int
    hi: int
    first: int
    last: int


def reparse(previous: Parsed, source: str) -> Parsed | None:
    """`source` parsed, re-parsing only the stretch of one block that differs from `previous`;
    None when the whole text must be parsed instead (the change is not inside one block, or
    the stretch does not parse alone: the full parse then gives the error)."""
    if source == previous.source:
        return previous
    if _lone_cr(source) or _lone_cr(previous.source):
        return None  # Python breaks lines there too: its line numbers are not ours
    lines = source.split("\n")
    old = previous.lines
    shift = len(lines) - len(old)
    limit = min(len(lines), len(old))
    same_head = 0
    while same_head < limit and lines[same_head] == old[same_head]:
        same_head += 1
    same_tail = 0
    while (
        same_tail < limit - same_head
        and lines[len(lines) - 1 - same_tail] == old[len(old) - 1 - same_tail]
    ):
        same_tail += 1
    first, last = same_head + 1, len(old) - same_tail  # the changed old lines, 1-based
    if last < first:  # lines only inserted: the line after the insertion stands for them
        first = last = min(same_head + 1, len(old))
    for stretch in _candidates(previous, first, last)[:_TRIES]:
        if 2 * (stretch.last - stretch.first + 1) > len(old):
            break  # half the text or more: a full parse costs no more, and fails only once
        try:
            tree = _splice(previous, lines, shift, stretch)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # not a whole stretch of this block (ValueError: a NUL, a lone surrogate)
        if tree is not None:
            return Parsed(source, lines, tree)
    return None


def _lone_cr(text: str) -> bool:
    return text.count("\r") != text.count("\r\n")


def _candidates(previous: Parsed, first: int, last: int) -> list[_Stretch]:
    """The stretches covering old lines `first..last`, the deepest (cheapest) first."""
    found: list[_Stretch] = []
    chain: list[_Step] = []
    block: list[ast.AST] = previous.tree.body  # type: ignore[assignment]
    while True:
        if not chain or chain[-1].field != "handlers":  # `except` clauses are no statements
            stretch = _stretch(previous.lines, chain, block, first, last)
            if stretch is not None:
                found.append(stretch)
        index = _containing(block, first, last)
        if index is None:
            break
        node = block[index]
        fields = _BLOCKS.get(type(node))
        if fields is None:
            break
        # the node's last list that starts at or before the change (past its end: its last)
        field = next(
            (f for f in reversed(fields) if (xs := getattr(node, f)) and _start(xs[0]) <= first),
            None,
        )
        if field is None:
            break
        chain = [*chain, _Step(block, index, field)]
        block = getattr(node, field)
    found.reverse()
    return found


def _containing(block: list[ast.AST], first: int, last: int) -> int | None:
    """The statement whose lines, up to the next statement, hold the whole change."""
    index = None
    for i, node in enumerate(block):
        if _start(node) > first:
            if _start(node) <= last:
                return None  # the change reaches into the next statement
            break
        index = i
    return index


def _start(node: ast.AST) -> int:
    """The first line of a statement, its decorators included."""
    line: int = node.lineno  # type: ignore[attr-defined]
    for decorator in getattr(node, "decorator_list", ()):
        line = min(line, decorator.lineno)
    return line


def _end(node: ast.AST) -> int:
    return node.end_lineno  # type: ignore[attr-defined,no-any-return]


def _stretch(
    lines: list[str], chain: list[_Step], block: list[ast.AST], first: int, last: int
) -> _Stretch | None:
    """The whole lines of `block` to re-parse for a change on old lines `first..last`, or None
    when the change reaches outside the block's statements and the lines between them."""
    n = len(block)
    lo = next((i for i, node in enumerate(block) if _end(node) >= first), n)
    hi = next((i for i in range(n - 1, -1, -1) if _start(block[i]) <= last), -1) + 1
    hi = max(hi, lo)
    # statements sharing a line with the stretch (`a = 1; b = 2`) belong to it
    while 0 < lo < n and _start(block[lo]) <= _end(block[lo - 1]):
        lo -= 1
    while 0 < hi < n and _start(block[hi]) <= _end(block[hi - 1]):
        hi += 1
    if lo > 0:
        before = block[lo - 1]
        if not _ends_its_line(lines[_end(before) - 1], before):
            return None
        start = _end(before) + 1
    elif not chain:
        start = 1  # the module has no header: its stretch may start at the top
    else:
        start = _start(block[0])
        if first < start or start < 2 or not _only_indentation(lines[start - 1], block[0]):
            return None  # the change touches the header, or the block starts on its line
        if lines[start - 2].rstrip().endswith("\\"):
            return None  # `if x: \` and the body on the next line: one logical line
    if hi < n:
        stop = _start(block[hi]) - 1
    else:
        after = _line_after(chain, len(lines))
        if after is not None:
            stop = after - 1
        else:
            stop = _end(block[-1])
            if last > stop:
                return None
    return _Stretch(chain, block, lo, hi, start, stop)


def _only_indentation(line: str, node: ast.AST) -> bool:
    """Only spaces before the statement (or its first decorator's `@`) on its first line."""
    decorators = getattr(node, "decorator_list", None)
    col: int = decorators[0].col_offset - 1 if decorators else node.col_offset  # type: ignore[attr-defined]
    head = line.encode("utf-8", "surrogatepass")[: max(col, 0)]
    return head.strip(b" ") == b""


def _ends_its_line(line: str, node: ast.AST) -> bool:
    """Nothing but `;` and a comment after the statement on its last line (a backslash would
    join the next line to it)."""
    rest = line.encode("utf-8", "surrogatepass")[node.end_col_offset :].strip()  # type: ignore[attr-defined]
    if rest.startswith(b";"):
        rest = rest[1:].strip()
    return rest == b"" or rest.startswith(b"#")


def _line_after(chain: list[_Step], total: int) -> int | None:
    """The first line after the innermost block and every container it ends (the next
    sibling's first line, or one past the text's end); None when a clause of a container
    (`else:`, `except`, `finally:`) may come first."""
    for step in reversed(chain):
        fields = _BLOCKS[type(step.node)]
        if any(getattr(step.node, f) for f in fields[fields.index(step.field) + 1 :]):
            return None
        if step.position + 1 < len(step.outer):
            return _start(step.outer[step.position + 1])
    return total + 1


def _splice(previous: Parsed, lines: list[str], shift: int, stretch: _Stretch) -> ast.Module | None:
    old = previous.lines
    if shift and stretch.last != len(old):
        return None  # the lines after the stretch would move
    new_lines = lines[stretch.first - 1 : stretch.last + shift]
    text = "\n".join(new_lines)
    if any(c in text for c in "\t\f\x00"):
        return None
    if new_lines and new_lines[-1].rstrip("\r").endswith("\\"):
        return None  # alone, a backslash before the end is accepted; here it joins S's first line
    text.encode("utf-8")  # a lone surrogate: UnicodeEncodeError, as the full parse would raise
    end = "" if stretch.last == len(old) else "\n"  # the text's own end, or the break before S
    block = stretch.block
    indent: int = block[0].col_offset  # type: ignore[attr-defined]
    if all(not line.strip(" \r") or line.lstrip(" ").startswith("#") for line in new_lines):
        statements: list[ast.stmt] = []  # blank lines and comments only
    elif not stretch.chain:
        statements = list(ast.parse("\n" * (stretch.first - 1) + text + end).body)
    else:  # a nested stretch starts at line 2 or later: its header is above it
        wrapped = ast.parse("\n" * (stretch.first - 2) + "if 1:\n" + text + end).body
        if len(wrapped) != 1 or not isinstance(wrapped[0], ast.If) or wrapped[0].orelse:
            return None  # a line of it dedents out of the block
        statements = list(wrapped[0].body)
        if statements[0].col_offset != indent:
            return None
    body = [*block[: stretch.lo], *statements, *block[stretch.hi :]]
    if not body and stretch.chain:
        return None  # a block cannot be empty: the full parse gives the error
    for step in reversed(stretch.chain):
        node = copy.copy(step.node)
        setattr(node, step.field, body)
        if not _set_end(node, lines):
            return None
        body = list(step.outer)
        body[step.position] = node
    tree = copy.copy(previous.tree)
    tree.body = body  # type: ignore[assignment]
    return tree


_COMPOUND = (*_BLOCKS, ast.Match)


def _set_end(node: ast.AST, lines: list[str]) -> bool:
    """A compound node ends with its block's last token: the end of its last statement (or
    handler), or the `;` after it when that is a simple statement (`await b;`). False when a
    backslash follows the statement (the `;` may be on the next line)."""
    for field in reversed(_BLOCKS[type(node)]):
        items = getattr(node, field)
        if items:
            last = items[-1]
            line, col = last.end_lineno, last.end_col_offset
            if not isinstance(last, _COMPOUND):
                tail = lines[line - 1].encode("utf-8", "surrogatepass")[col:]
                rest = tail.lstrip(b" \t\f")
                if rest.startswith(b";"):
                    col += len(tail) - len(rest) + 1
                elif rest.startswith(b"\\"):
                    return False
            node.end_lineno, node.end_col_offset = line, col  # type: ignore[attr-defined]
            return True
    return False


class ParseMemo:
    """The last text parsed for one document and its tree, so that the next version re-parses
    only what changed. The caller (the language server) holds one per document it keeps."""

    __slots__ = ("last", "reparsed")

    def __init__(self) -> None:
        self.last: Parsed | None = None
        self.reparsed = 0  # versions served by a splice, for tests and the debug log

    def clear(self) -> None:
        self.last = None

    def parse(self, source: str, filename: str) -> ast.Module:
        """`ast.parse(source, filename)`, through `reparse` when the last text is known.
        Raises as `ast.parse` does; a text that does not parse leaves the memo as it was."""
        last = self.last
        if last is not None:
            found = reparse(last, source)
            if found is not None:
                self.last = found
                self.reparsed += found is not last
                return found.tree
        tree = ast.parse(source, filename=filename)
        self.last = parsed(source, tree)
        return tree
