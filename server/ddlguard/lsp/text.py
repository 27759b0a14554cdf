"""A document's text as LSP sees it, and position conversions in the negotiated encoding.

The engine counts code points on lines of the BOM-less text; LSP counts UTF-16 code units by
default (UTF-8 or UTF-32 when negotiated) on the client's text, which may still start with a
BOM. `DocText` owns both views so every range crosses the boundary in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from ddlguard.model import Position, Range
from ddlguard.positions import codepoints_to_utf16, split_lines, utf16_to_codepoints

BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class DocText:
    """The client's text of one document version, split into lines."""

    text: str
    lines: tuple[str, ...]
    bom: bool
    encoding: str = types.PositionEncodingKind.Utf16.value

    @classmethod
    def of(cls, text: str, encoding: object = None) -> DocText:
        enc = str(getattr(encoding, "value", encoding) or types.PositionEncodingKind.Utf16.value)
        return cls(text, tuple(split_lines(text)), text.startswith(BOM), enc)

    @property
    def source(self) -> str:
        """The text the engine analyses (BOM removed, as `analyze_source` does)."""
        return self.text[1:] if self.bom else self.text

    def _line(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def _units(self, line_text: str, col: int) -> int:
        if self.encoding == types.PositionEncodingKind.Utf8.value:
            return len(line_text[:col].encode("utf-8"))
        if self.encoding == types.PositionEncodingKind.Utf32.value:
            return min(col, len(line_text))
        return codepoints_to_utf16(line_text, min(col, len(line_text)))

    def _codepoints(self, line_text: str, units: int) -> int:
        if self.encoding == types.PositionEncodingKind.Utf8.value:
            return len(line_text.encode("utf-8")[:units].decode("utf-8", errors="ignore"))
        if self.encoding == types.PositionEncodingKind.Utf32.value:
            return min(units, len(line_text))
        return utf16_to_codepoints(line_text, units)

    def to_lsp_position(self, pos: Position) -> types.Position:
        """An engine position (1-based line, code points) to the client's, clamped to the text."""
        line = min(max(pos.line - 1, 0), max(len(self.lines) - 1, 0))
        col = pos.character + (1 if self.bom and line == 0 else 0)
        if pos.line - 1 > line:  # past the end (stale findings on a shorter text)
            col = len(self._line(line))
        return types.Position(line=line, character=self._units(self._line(line), col))

    def to_lsp_range(self, rng: Range) -> types.Range:
        return types.Range(start=self.to_lsp_position(rng.start), end=self.to_lsp_position(rng.end))

    def from_lsp_position(self, pos: types.Position) -> Position:
        """A client position to an engine position (1-based line, code points, BOM-less)."""
        line_text = self._line(pos.line)
        col = self._codepoints(line_text, pos.character)
        if self.bom and pos.line == 0:
            col = max(col - 1, 0)
        return Position(pos.line + 1, col)

    def engine_line(self, line: int) -> str:
        """The text of a 1-based line as the engine sees it (no BOM)."""
        text = self._line(line - 1)
        return text[1:] if self.bom and line == 1 else text
