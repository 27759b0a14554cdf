"""An editor's text as Python would read the file, with findings mapped back onto that text.

Editors hand the language server decoded text. When a coding cookie makes Python read the
saved file otherwise (`# -*- coding: utf-7 -*-` turns `+AAo-` in a comment into a line break;
VS Code knows no utf-7 and shows the bytes as they are), analysing the editor's text would
miss what Alembic runs, and the CLI, which reads the bytes as Python does, would disagree.
So the text is saved as the editor saves it (UTF-8), read back as Python reads it, analysed,
and each finding's range is mapped back to the characters of the editor's text that produced
it: the editor shows the finding where the code Python runs is written. Such findings get no
automatic fix (the planner edits the editor's text, not Python's reading of it).
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from ddlguard.model import Applicability, FileResult, Finding, FixHint, Position, Range
from ddlguard.source_encoding import SourceDecodeError, cookie_encoding, editor_text_problem

_BREAK = re.compile(r"\r\n|\r|\n")
# bytes decoded one at a time (lines that do not read as themselves) before giving up: a
# hostile document must not cost seconds per keystroke (~0.3 s per 100,000 bytes)
MAX_BYTEWISE = 200_000


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _BREAK.finditer(text))]


@dataclass(frozen=True, slots=True)
class PythonReading:
    """Python's reading of an editor's text; `shown[i]` is where its character `i` came from."""

    text: str
    encoding: str
    shown: tuple[int, ...]  # len(text) + 1 entries; the last is len(editor text)
    editor: str

    def _offset(self, text_starts: list[int], pos: Position) -> int:
        line = min(max(pos.line, 1), len(text_starts)) - 1
        return min(text_starts[line] + max(pos.character, 0), len(self.text))

    def map_range(self, rng: Range, starts: list[int], editor_starts: list[int]) -> Range:
        start = self._offset(starts, rng.start)
        end = self._offset(starts, rng.end)
        first = self.shown[start]
        last = self.shown[end - 1] + 1 if end > start else first
        return Range(_position(editor_starts, first), _position(editor_starts, max(last, first)))

    def remap(self, result: FileResult) -> FileResult:
        """`result` (positions in `text`) with positions in the editor's text and no fixes."""
        starts, editor_starts = _line_starts(self.text), _line_starts(self.editor)

        def move(rng: Range) -> Range:
            return self.map_range(rng, starts, editor_starts)

        findings = [_moved(f, move, self.encoding) for f in result.findings]
        info = result.info
        if info is not None:

            def line_of(line: int | None) -> int | None:
                if line is None:
                    return None
                return move(Range.of(line, 0, line, 0)).start.line

            info = info._replace(
                revision_line=line_of(info.revision_line),
                down_revision_line=line_of(info.down_revision_line),
            )
        return result.copy(findings=findings, info=info)


def _position(starts: list[int], offset: int) -> Position:
    line = bisect_right(starts, offset) - 1
    return Position(line + 1, offset - starts[line])


def _moved(finding: Finding, move: Callable[[Range], Range], encoding: str) -> Finding:
    fix = finding.fix
    if fix is not None and fix.applicability is not Applicability.NONE:
        fix = FixHint(
            Applicability.NONE,
            "",
            f"the file's coding cookie ({encoding}) makes Python read it differently from the"
            " editor; convert it to UTF-8 first",
        )
    data = dict(finding.data)
    if "movable" in data:
        data["movable"] = False
    return finding._replace(
        range=move(finding.range),
        statement_range=move(finding.statement_range) if finding.statement_range else None,
        fix=fix,
        data=data,
    )


def _decode_line(
    decoder: codecs.IncrementalDecoder, line: str, offset: int, pieces: list[str], shown: list[int]
) -> int:
    """Decode one line of the editor's text (as saved: UTF-8), recording where each decoded
    character came from. A line that decodes to itself maps one to one at once; any other is
    decoded again byte by byte from the same decoder state, each character attributed to
    the byte that completed it. Returns the number of bytes decoded one at a time."""
    data = line.encode("utf-8", "surrogatepass")
    state = decoder.getstate()
    piece = decoder.decode(data)
    if piece == line:
        pieces.append(piece)
        shown.extend(range(offset, offset + len(line)))
        return 0
    decoder.setstate(state)
    byte_char: list[int] = []
    for index, ch in enumerate(line):
        byte_char.extend([offset + index] * len(ch.encode("utf-8", "surrogatepass")))
    for at in range(len(data)):
        piece = decoder.decode(data[at : at + 1])
        if piece:
            pieces.append(piece)
            shown.extend([byte_char[at]] * len(piece))
    return len(data)


def python_reading(text: str) -> PythonReading | None:
    """Python's reading of `text` saved as UTF-8, when it differs in structure; else None.

    `SourceDecodeError` when Python could not read it at all (unknown codec, bytes the codec
    refuses). Characters are attributed to the byte that completed them, so a run of
    ordinary characters maps one to one and a shifted run (`+AAo-`) maps inside itself.
    """
    if editor_text_problem(text) is None:
        return None
    encoding = cookie_encoding(text)
    pieces: list[str] = []
    shown: list[int] = []
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = budget = 0
        for line in text.splitlines(keepends=True):
            budget += _decode_line(decoder, line, offset, pieces, shown)
            if budget > MAX_BYTEWISE:
                raise SourceDecodeError(
                    f"its coding cookie declares {encoding} and the text is too large to map"
                    " Python's reading of it onto the editor's (`ddlguard check` reads it)"
                )
            offset += len(line)
        tail = decoder.decode(b"", final=True)
    except (UnicodeError, LookupError, TypeError, ValueError) as exc:
        raise SourceDecodeError(f"its coding cookie declares {encoding}: {exc}") from None
    if tail:
        pieces.append(tail)
        shown.extend([max(len(text) - 1, 0)] * len(tail))
    shown.append(len(text))
    return PythonReading("".join(pieces), encoding, tuple(shown), text)
