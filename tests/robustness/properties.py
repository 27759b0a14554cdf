"""The invariants checked on every generated input, shared by pytest and `bench/fuzz_long.py`.

Each `check_*` function raises AssertionError with a readable message when an invariant
breaks; anything else escaping `analyze_source` is a crash and is reported as such.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from ddlguard.engine import analyze_source
from ddlguard.model import FileResult, Finding, Range
from ddlguard.positions import codepoints_to_utf16, split_lines, utf16_to_codepoints
from ddlguard.settings import Settings

SETTINGS = Settings(select=("DG",))  # every rule, the hygiene and graph ones included
PATH = Path("versions/0001_fuzz.py")
# Findings whose range is "the call that sends the statement to the database".
CALL_CODES = frozenset({"DG001", "DG002", "DG003", "DG004", "DG005", "DG006"})


def analyze(source: str | bytes) -> FileResult:
    """The engine as the CLI and the server call it for a file in a versions folder."""
    return analyze_source(source, PATH, SETTINGS, in_version_dir=True)


def document_text(source: str | bytes) -> str | None:
    """The text positions refer to (decoded as Python decodes it: PEP 263 cookie, else UTF-8;
    BOM removed), None when Python's tokenizer would not decode it."""
    if isinstance(source, bytes):
        import io
        import tokenize

        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
            source = source.decode(encoding)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return None
    return source.removeprefix("\ufeff")


def utf16_slice(lines: list[str], rng: Range) -> str:
    """The text at `rng` after converting it to LSP UTF-16 positions and slicing UTF-16 text.

    This is what an editor shows: the conversion through `ddlguard.positions` must land on
    the same characters as the code-point range does.
    """
    start_line, end_line = rng.start.line - 1, rng.end.line - 1
    s = codepoints_to_utf16(lines[start_line], rng.start.character)
    e = codepoints_to_utf16(lines[end_line], rng.end.character)
    encoded = [line.encode("utf-16-le", "surrogatepass") for line in lines]
    if start_line == end_line:
        return encoded[start_line][2 * s : 2 * e].decode("utf-16-le", "surrogatepass")
    parts = [encoded[start_line][2 * s :]]
    parts += encoded[start_line + 1 : end_line]
    parts.append(encoded[end_line][: 2 * e])
    return "\n".join(p.decode("utf-16-le", "surrogatepass") for p in parts)


def codepoint_slice(lines: list[str], rng: Range) -> str:
    start_line, end_line = rng.start.line - 1, rng.end.line - 1
    if start_line == end_line:
        return lines[start_line][rng.start.character : rng.end.character]
    parts = [lines[start_line][rng.start.character :], *lines[start_line + 1 : end_line]]
    parts.append(lines[end_line][: rng.end.character])
    return "\n".join(parts)


def check_range_inside(lines: list[str], rng: Range, what: str) -> None:
    assert rng.start <= rng.end, f"{what}: start after end: {rng}"
    for pos in (rng.start, rng.end):
        assert pos.line >= 1 and pos.line <= len(lines), (
            f"{what}: line {pos.line} outside 1..{len(lines)}"
        )
        width = len(lines[pos.line - 1])
        assert 0 <= pos.character <= width, (
            f"{what}: column {pos.character} outside line {pos.line} of width {width}"
        )
        units = codepoints_to_utf16(lines[pos.line - 1], pos.character)
        back = utf16_to_codepoints(lines[pos.line - 1], units)
        assert back == pos.character, f"{what}: UTF-16 round trip {pos.character}->{units}->{back}"


def parse_quietly(source: str) -> ast.Module:
    """`ast.parse` without the compiler's warnings about the generated code's escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def parse_expression(text: str) -> ast.expr:
    """`text` as one expression (newlines allowed), without the compiler's escape warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse("(" + text + "\n)", mode="eval").body


def check_call_text(finding: Finding, text: str, expected_calls: list[str] | None) -> None:
    """The range of a call finding covers exactly a call expression (callee to `)`)."""
    where = f"{finding.code} at {finding.range}"
    assert text.endswith(")"), f"{where}: range text does not end the call: {text!r}"
    try:
        node = parse_expression(text)
    except SyntaxError as exc:
        raise AssertionError(f"{where}: range text is not an expression: {text!r}") from exc
    assert isinstance(node, ast.Call), f"{where}: range text is not a call: {text!r}"
    if expected_calls is not None and finding.code in ("DG001", "DG002", "DG003"):
        assert text in expected_calls, f"{where}: {text!r} is none of the generated calls"


def check_result(
    source: str | bytes, result: FileResult, expected_calls: list[str] | None = None
) -> None:
    """Every invariant a single analysis must keep."""
    text = document_text(source)
    if text is None:
        assert result.error and [f.code for f in result.findings] == ["DG000"], (
            "undecodable input must give exactly one DG000"
        )
    lines = split_lines(text) if text is not None else [""]
    for finding in result.findings:
        assert finding.code == "DG000" or result.error is None
        message = finding.message
        assert message and "\n" not in message and "\r" not in message, (
            f"{finding.code}: message must be one non-empty line: {message!r}"
        )
        if finding.code == "DG000":
            assert not message.endswith(": "), f"DG000 without a reason: {message!r}"
        check_range_inside(lines, finding.range, finding.code)
        if finding.statement_range is not None:
            check_range_inside(lines, finding.statement_range, f"{finding.code} statement")
            assert finding.statement_range.start <= finding.range.start
            assert finding.range.end <= finding.statement_range.end
        if finding.code in CALL_CODES:
            exact = utf16_slice(lines, finding.range)
            assert exact == codepoint_slice(lines, finding.range), "UTF-16 and code points differ"
            check_call_text(finding, exact, expected_calls)


def check_source(source: str | bytes, expected_calls: list[str] | None = None) -> FileResult:
    """Analyse `source` and check every invariant; return the result for further checks."""
    result = analyze(source)
    check_result(source, result, expected_calls)
    return result


def finding_text(source: str | bytes, finding: Finding) -> str:
    """The document text a finding's range covers."""
    text = document_text(source)
    assert text is not None
    return codepoint_slice(split_lines(text), finding.range)


def check_expected(text: str, expected: list[tuple[str, str]], result: FileResult) -> None:
    """Each generated data operation gets its code on its call; DDL gets none.

    Matched by call text and counted, since one text (`op.execute(stmt)`) can appear several
    times with different SQL bound to `stmt`: a text written k times for data and r times for
    reads must carry between k and k + r findings of its code, never more (DDL is silent).
    """
    spans = [(f.code, finding_text(text, f)) for f in result.findings]
    calls = {call for call, _ in expected}
    for call in calls:
        codes = [code for c, code in expected if c == call]
        for code in {c for c in codes if c.startswith("DG")}:
            wanted = codes.count(code)
            if code == "DG004":
                got = sum(1 for c, t in spans if c == code and call.startswith(t))
            else:
                got = sum(1 for c, t in spans if c == code and t == call)
            assert got >= wanted, f"{call!r} reported {got} times as {code}, expected {wanted}"
        data = sum(1 for c in codes if c in ("DG001", "DG002", "DG003"))
        reads = codes.count("?")
        flagged = sum(1 for c, t in spans if t == call and c in ("DG001", "DG002", "DG003"))
        assert flagged <= data + reads, f"DDL reported: {call!r}: {spans}"


def signature(result: FileResult) -> list[tuple[str, Range, str]]:
    """What must not change between equivalent spellings of a document."""
    return [(f.code, f.range, f.message) for f in result.findings]
