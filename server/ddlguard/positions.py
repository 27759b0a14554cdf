"""Column conversions between the units each party counts in.

`ast` counts UTF-8 bytes, Python strings (and our `Position`) code points, LSP UTF-16 code units.
"""

from __future__ import annotations


def utf8_to_codepoints(line_text: str, byte_col: int) -> int:
    """A byte offset within `line_text` (as `ast` reports) to a code-point offset.

    Clamped to the line; an offset inside a multi-byte character counts the characters
    before it. Lone surrogates (an editor can send one) count as one code point, not an error.
    """
    byte_col = max(byte_col, 0)
    if line_text.isascii():
        return min(byte_col, len(line_text))
    try:
        data = line_text.encode("utf-8")[:byte_col]
    except UnicodeEncodeError:  # a lone surrogate: count character by character
        pass
    else:
        return len(data.decode("utf-8", errors="ignore"))  # drops a cut character's bytes
    count = 0
    for ch in line_text:
        size = len(ch.encode("utf-8", "surrogatepass"))
        if byte_col < size:
            break
        byte_col -= size
        count += 1
    return count


def codepoints_to_utf16(line_text: str, col: int) -> int:
    """A code-point offset to UTF-16 code units (astral characters count twice)."""
    prefix = line_text[:col]
    if prefix.isascii():
        return col
    return col + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def utf16_to_codepoints(line_text: str, units: int) -> int:
    count = 0
    for index, ch in enumerate(line_text):
        if count >= units:
            return index
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def split_lines(text: str) -> list[str]:
    """Lines as `ast` and LSP see them: split on \\n, \\r\\n and \\r, without their endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
