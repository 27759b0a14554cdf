"""The token-level fallback: split on top-level semicolons and read each statement's verb.

Used when no parser can read a statement (vendor syntax, placeholders in odd places). It
understands quotes, dollar quotes, and comments well enough to split safely, and it errs
toward DML: a statement it cannot read is UNKNOWN, never silently clean.
"""

from __future__ import annotations

import re

from ddlguard.sql.model import HOLE, SqlStatement, StatementKind

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUALIFIED_NAME = r'((?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\W\d][\w$]*)(?:\.(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\W\d][\w$]*))*)'

_DML = {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "REPLACE", "UPSERT"}
_DDL = {"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "RENAME", "REINDEX", "CLUSTER",
        "SECURITY", "IMPORT", "REFRESH"}  # fmt: skip
_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START", "END", "SET", "RESET",
            "SHOW", "LOCK", "PRAGMA", "USE", "ANALYZE", "VACUUM", "CHECKPOINT", "DISCARD", "LISTEN",
            "NOTIFY", "UNLISTEN", "DEALLOCATE", "PREPARE", "EXPLAIN", "LOAD", "ABORT"}  # fmt: skip
_READ = {"SELECT", "VALUES", "TABLE", "FETCH"}
_BEGIN_TRANSACTION = {"TRANSACTION", "TRAN", "WORK", "ISOLATION", "READ", "DEFERRED", "IMMEDIATE",
                      "EXCLUSIVE", "DISTRIBUTED", "NOT", "DEFERRABLE"}  # fmt: skip


def split_statements(sql: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty top-level statement, without its ';'."""
    spans: list[tuple[int, int]] = []
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            nl = sql.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                if sql[j] == "\\" and ch == "'" and j > 0 and sql[i - 1 : i] in ("E", "e"):
                    j += 2
                    continue
                j += 1
            i = j + 1
            continue
        if ch == "$":
            m = _DOLLAR.match(sql, i)
            if m:
                close = sql.find(m.group(0), m.end())
                i = n if close < 0 else close + len(m.group(0))
                continue
        if ch == ";":
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, n))
    return [(s, e) for s, e in (trim_statement(sql, s, e) for s, e in spans) if s < e]


# one lexical piece: a comment (group 1), else a quoted string, dollar quote, word or character
_PIECE = re.compile(
    r"(--[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?"
    r"|\$((?:[A-Za-z_][A-Za-z0-9_]*)?)\$.*?(?:\$\2\$|\Z)"
    r"|[^\s'\"`$/-]+|\S",
    re.S,
)


def trim_statement(sql: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace and comments around a statement.

    A trailing comment is not part of the statement: whoever appends `;` to the text (the fix
    writing a script) must not have it commented out.
    """
    start, end = _trim_head(sql, start, end)
    body = sql[start:end]
    if "--" in body or "/*" in body:
        code_end = start
        for m in _PIECE.finditer(sql, start, end):
            if m.group(1) is None:
                code_end = m.end()
        end = code_end
    return start, end


def _trim_head(sql: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace and leading comments."""
    while True:
        while start < end and sql[start].isspace():
            start += 1
        if sql.startswith("--", start, end):  # within the span: a comment past it is not ours
            nl = sql.find("\n", start)
            start = end if nl < 0 or nl >= end else nl + 1
            continue
        if sql.startswith("/*", start, end):
            close = sql.find("*/", start + 2)
            start = end if close < 0 or close >= end else close + 2
            continue
        break
    while end > start and sql[end - 1].isspace():
        end -= 1
    return start, end


_QUOTED_NAME = re.compile(r'"(?:[^"]|"")*"|`[^`]*`')
_DOLLAR_QUOTED = re.compile(r"\$((?:[A-Za-z_][A-Za-z0-9_]*)?)\$.*?\$\1\$", re.S)
_MODIFIERS = {"OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL",
              "CONSTRAINT", "TRUSTED", "PROCEDURAL", "RECURSIVE", "IGNORE", "ONLINE", "OFFLINE",
              "CLUSTERED", "NONCLUSTERED", "DEFINER", "ALGORITHM", "SQL", "SECURITY"}  # fmt: skip
_TWO_WORD_OBJECTS = {"MATERIALIZED", "FOREIGN", "EVENT", "TEXT", "ACCESS", "OPERATOR", "USER",
                     "DEFAULT", "LARGE"}  # fmt: skip


def statement_words(text: str) -> list[str]:
    """The statement's words, upper-cased, without literals, quoted names or comments."""
    return [w.upper() for w in _WORD.findall(_QUOTED_NAME.sub(" ", _strip_literals(text)))]


def _strip_literals(text: str) -> str:
    text = _DOLLAR_QUOTED.sub("''", text)
    text = re.sub(r"'(?:[^']|'')*'", "''", text)
    text = re.sub(r"--[^\n]*", " ", text)
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def _table_after(text: str, pattern: str) -> tuple[str, ...]:
    m = re.search(pattern + r"\s+" + QUALIFIED_NAME, _strip_literals(text), re.IGNORECASE)
    if not m or HOLE in m.group(1):
        return ()
    return (m.group(1),)


def ddl_verb(text: str) -> str:
    """`CREATE TABLE`, `CREATE MATERIALIZED VIEW`, `ALTER TYPE`, `COMMENT`: what a user calls it."""
    words = statement_words(text)
    if not words:
        return "?"
    first = words[0]
    if first in {"COMMENT", "GRANT", "REVOKE"} or len(words) == 1:
        return first
    rest = [w for w in words[1:4] if w not in _MODIFIERS] or words[1:2]
    if rest[0] in _TWO_WORD_OBJECTS and len(rest) > 1:
        return f"{first} {rest[0]} {rest[1]}"
    return f"{first} {rest[0]}"


def classify_tokens(text: str, start: int = 0) -> SqlStatement:
    """Classify one statement from its words alone."""
    words = statement_words(text)
    end = start + len(text)
    if not words:
        return SqlStatement(StatementKind.UNKNOWN, "?", (), start, end, text)
    first = words[0]
    if first == HOLE.upper():
        return SqlStatement(StatementKind.UNKNOWN, "?", (), start, end, text)
    if first == "WITH":
        # a CTE: a data-changing verb anywhere in it makes it DML (FOR UPDATE and ON DELETE don't)
        for i, word in enumerate(words):
            after = words[i - 1] if i else ""
            if word in ("INSERT", "UPDATE", "DELETE", "MERGE") and after not in ("FOR", "ON"):
                return _dml(word, text, start, end)
        return SqlStatement(StatementKind.READ, "SELECT", (), start, end, text)
    if first == "BEGIN" and words[1:2] and words[1] not in _BEGIN_TRANSACTION:
        # a procedural block (Oracle, SQL Server `BEGIN ... END`): its first statement counts
        inner = re.search(r"(?i)\bBEGIN\b", text)
        if inner:
            rest = classify_tokens(text[inner.end() :])
            if rest.kind is StatementKind.DML:
                return SqlStatement(rest.kind, rest.verb, rest.tables, start, end, text)
            return SqlStatement(StatementKind.UNKNOWN, "BEGIN", (), start, end, text)
    if first == "LOAD" and words[1:2] == ["DATA"]:
        return SqlStatement(
            StatementKind.DML, "LOAD DATA", _table_after(text, r"\bINTO\s+TABLE"), start, end, text
        )
    if first in _DML:
        return _dml(first, text, start, end)
    if first == "COPY":
        # COPY (query) TO ... only ever reads; COPY table FROM ... loads rows
        query = text.lstrip()[4:].lstrip().startswith("(")
        kind = StatementKind.DML if "FROM" in words and not query else StatementKind.READ
        return SqlStatement(kind, "COPY", _table_after(text, r"\bCOPY"), start, end, text)
    if first in _READ:
        into = words.index("INTO") if "INTO" in words else len(words)
        to_file = words[into + 1 : into + 2] in (["OUTFILE"], ["DUMPFILE"]) or re.search(
            r"(?i)\bINTO\s+@", text
        )
        if (
            first == "SELECT"
            and into < (words.index("FROM") if "FROM" in words else len(words))
            and not to_file
        ):
            return SqlStatement(
                StatementKind.DML,
                "SELECT INTO",
                _table_after(text, r"\bINTO(?:\s+(?:TEMP|TEMPORARY|UNLOGGED|TABLE))*"),
                start,
                end,
                text,
            )
        locking = "FOR" in words and any(w in words for w in ("UPDATE", "SHARE"))
        return SqlStatement(
            StatementKind.READ, "SELECT", _table_after(text, r"\bFROM"), start, end, text, locking
        )
    if (
        first == "CREATE"
        and "AS" in words
        and "TABLE" in words[:4]
        and ("SELECT" in words or "VALUES" in words)
    ):
        kind = StatementKind.DDL if words[-3:] == ["WITH", "NO", "DATA"] else StatementKind.DML
        return SqlStatement(
            kind,
            "CREATE TABLE AS",
            _table_after(text, r"\bTABLE(?:\s+IF\s+NOT\s+EXISTS)?"),
            start,
            end,
            text,
        )
    if first in _DDL:
        return SqlStatement(StatementKind.DDL, ddl_verb(text), (), start, end, text)
    if first in _CONTROL:
        return SqlStatement(StatementKind.CONTROL, first, (), start, end, text)
    if first == "DO":
        # without a parser we cannot look inside the body: say so
        return SqlStatement(StatementKind.UNKNOWN, "DO", (), start, end, text)
    return SqlStatement(StatementKind.UNKNOWN, first, (), start, end, text)


def _dml(verb: str, text: str, start: int, end: int) -> SqlStatement:
    pattern = {
        "INSERT": r"\bINSERT\s+(?:IGNORE\s+|OR\s+\w+\s+)?INTO",
        "REPLACE": r"\bREPLACE\s+INTO",
        # SQLite's conflict clause: `UPDATE OR IGNORE t`, `UPDATE OR REPLACE t`
        "UPDATE": r"\bUPDATE(?:\s+OR\s+(?:ROLLBACK|ABORT|REPLACE|FAIL|IGNORE)\b)?(?:\s+ONLY)?",
        "DELETE": r"\bDELETE\s+FROM(?:\s+ONLY)?",
        "MERGE": r"\bMERGE\s+INTO",
        "TRUNCATE": r"\bTRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?",
    }.get(verb, r"\b" + verb)
    return SqlStatement(StatementKind.DML, verb, _table_after(text, pattern), start, end, text)


def classify_by_tokens(sql: str) -> list[SqlStatement]:
    return [classify_tokens(sql[s:e], s) for s, e in split_statements(sql)]
