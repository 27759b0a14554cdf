"""Python source text as Python reads it (PEP 263 coding cookies), and written back the same way.

Alembic imports a migration, so Python decodes it: UTF-8 by default, or whatever a coding
cookie on its first two lines declares. A checker reading every file as UTF-8 can be shown one
text while Python runs another (`# -*- coding: utf-7 -*-` turns `+AAo-` inside a comment into
a line break, and the rest of the line into code). So bytes are decoded exactly as Python's
tokenizer decodes them (`tokenize.detect_encoding`, the standard library's own reading of the
cookie and the BOM), and a file Python would refuse is refused here too (DG000 naming the
encoding).

Positions in a file that is not UTF-8 count code points of the decoded text, lines split as
that text's line breaks: what an editor that decoded the file with the same codec shows.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import NamedTuple

_UTF8 = frozenset({"utf-8", "utf-8-sig"})
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # linear: no nested repetition


class SourceDecodeError(ValueError):
    """Bytes Python would not accept as source; `str` is one line for DG000."""


class SourceText(NamedTuple):
    """Decoded source: the text (no BOM), the codec Python uses for it, and whether a BOM led."""

    text: str
    encoding: str  # as `tokenize.detect_encoding` names it: "utf-8", "utf-8-sig", "iso-8859-1"…
    bom: bool

    @property
    def is_utf8(self) -> bool:
        return self.encoding in _UTF8


def _first_two_lines(data: bytes) -> bytes:
    end = data.find(b"\n")
    if end >= 0:
        second = data.find(b"\n", end + 1)
        end = second if second >= 0 else len(data)
    return data[: end if end >= 0 else len(data)]


def declared_encoding(data: bytes) -> tuple[str, bool]:
    """The codec Python decodes `data` with, and whether it starts with a UTF-8 BOM."""
    if b"coding" not in _first_two_lines(data):  # no cookie: what `detect_encoding` would say
        return ("utf-8-sig", True) if data.startswith(codecs.BOM_UTF8) else ("utf-8", False)
    import tokenize  # lazily: files with a cookie are rare

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown codec, a cookie that disagrees with the BOM
        raise SourceDecodeError(f"cannot decode: {exc.msg}") from None
    return encoding, encoding == "utf-8-sig"


def decode_python_source(data: bytes) -> SourceText:
    """`data` decoded exactly as Python decodes a module; `SourceDecodeError` where it would fail."""
    encoding, bom = declared_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding in _UTF8:
            raise SourceDecodeError(f"not valid UTF-8 (byte {exc.start})") from None
        raise SourceDecodeError(
            f"not valid {encoding}, the encoding its coding cookie declares (byte {exc.start})"
        ) from None
    except (LookupError, TypeError, ValueError) as exc:  # `rot13`: a codec but not a text one
        raise SourceDecodeError(f"cannot decode as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, encoding, bom)


def cookie_encoding(text: str) -> str:
    """The codec Python would pick for `text` saved as UTF-8: its coding cookie's (first two
    lines, normalised: `latin-1` is `iso-8859-1`), else `utf-8`; `unknown` for a bad cookie."""
    head = text[:4096].encode("utf-8", "replace")
    if b"coding" not in _first_two_lines(head):
        return "utf-8"
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
    except SyntaxError:
        return "unknown"
    return encoding


def editor_text_problem(text: str) -> str | None:
    """Why Python would read an editor's `text` differently, or None when it reads the same.

    Editors hand over decoded text. When its cookie names another codec than UTF-8 and the
    text, saved as UTF-8, decodes under that codec to something whose ASCII skeleton differs
    (other line breaks, quotes, code: a `utf-7` `+AAo-`, a Shift-JIS trail byte that is a
    backslash), the text shown is not the program Python runs. An ASCII-compatible codec
    (latin-1, cp1252, …) only changes non-ASCII characters, which carry no structure, so
    such files are analysed as the editor shows them.
    """
    encoding = cookie_encoding(text)
    if encoding in _UTF8:
        return None
    if encoding == "unknown":
        return "its coding cookie names an encoding Python does not know"
    try:
        reading = text.encode("utf-8", "surrogatepass").decode(encoding)
    except (UnicodeError, LookupError, TypeError, ValueError):
        return f"its coding cookie declares {encoding}, which cannot decode the text as saved"
    if _NOT_ASCII.sub("\x80", reading) != _NOT_ASCII.sub("\x80", text):
        return (
            f"its coding cookie declares {encoding}: Python reads it differently from the text"
            " shown (convert the file to UTF-8)"
        )
    return None


class CannotEncode(ValueError):
    """The text cannot be written back in the file's own encoding byte for byte."""


def encode_like(original: SourceText, raw: bytes, new_text: str) -> bytes:
    """`new_text` as bytes in the encoding `raw` (which decodes to `original`) is in.

    UTF-8 (with its BOM if it had one) always works. Another codec is used only when it is
    stateless on this file, line by line: every line of the original, encoded alone, gives
    back exactly the bytes on disk, so unchanged lines stay byte for byte. Otherwise (`utf-7`,
    which writes `+AAo-` back as a bare line break; `utf-16`, whose BOM repeats) `CannotEncode`:
    the fix refuses to rewrite rather than corrupt.
    """
    if original.is_utf8:
        return (codecs.BOM_UTF8 if original.bom else b"") + new_text.encode("utf-8")
    encoding = original.encoding
    try:
        if b"".join(line.encode(encoding) for line in _LINE.findall(original.text)) != raw:
            raise CannotEncode(
                f"it is encoded in {encoding}, which ddlguard cannot write back byte for byte"
            )
        return b"".join(line.encode(encoding) for line in _LINE.findall(new_text))
    except UnicodeError as exc:
        raise CannotEncode(f"the fixed text cannot be encoded in {encoding} ({exc})") from None
