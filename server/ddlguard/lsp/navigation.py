"""Go to definition (parent migration), find references (child migrations), document links.

Definition on a `down_revision`/`depends_on` string opens the migration declaring that
revision; references on a `revision` string list the migrations naming it as a parent (and
itself when the client asks to include the declaration). Links make `scripts/sql/....sql` paths
in comments clickable when the file exists inside the project.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from ddlguard.lsp.context import ContextCache
from ddlguard.lsp.revisions import RevisionIndex, ref_at, refs_of_source
from ddlguard.lsp.text import DocText
from ddlguard.model import Range
from ddlguard.project import ConfigError

# what a written path is made of; one class, so a run is found without backtracking
_PATH_RUN = re.compile(r"[\w.@+\-/]+")
_WORD = re.compile(r"\w")


def sql_paths(comment: str) -> Iterator[tuple[int, int]]:
    """Spans of `.sql` paths in a comment, in linear time.

    The spans `[\\w.@+\\-/]*[\\w.@+\\-]+\\.sql\\b` would find, without that regex's
    cubic backtracking on a long run of path characters with no `.sql` (a 2,500-character
    comment froze the server 24 s): in each run of path characters, the match starts at the
    run and ends after its last `.sql` that follows a character other than `/` and is not
    followed by a word character.
    """
    for run in _PATH_RUN.finditer(comment):
        text, base = run.group(), run.start()
        at = text.rfind(".sql")
        while at >= 0:
            end = base + at + 4
            after_ok = end == len(comment) or _WORD.match(comment[end]) is None
            if at >= 1 and text[at - 1] != "/" and after_ok:
                yield base, end
                break
            at = text.rfind(".sql", 0, at + 3)


def _location(path: Path, rng: Range) -> types.Location:
    # the target is usually not open: its text is not needed for a range on one ASCII id line
    text = _read(path)
    return types.Location(
        uri=from_fs_path(str(path)) or path.as_uri(), range=text.to_lsp_range(rng)
    )


def _read(path: Path) -> DocText:
    try:
        return DocText.of(path.read_bytes().decode("utf-8-sig", errors="replace"))
    except OSError:
        return DocText.of("")


def definition(
    text: DocText, path: Path, pos: types.Position, contexts: ContextCache, index: RevisionIndex
) -> list[types.Location]:
    at = text.from_lsp_position(pos)
    ref = ref_at(refs_of_source(text.source), at.line, at.character)
    if ref is None or ref.name == "revision":
        return []
    project = contexts.for_path(path).project
    return [_location(p, r.range) for p, r in index.definitions(project, ref.value)]


def references(
    text: DocText,
    path: Path,
    pos: types.Position,
    include_declaration: bool,
    contexts: ContextCache,
    index: RevisionIndex,
) -> list[types.Location]:
    at = text.from_lsp_position(pos)
    ref = ref_at(refs_of_source(text.source), at.line, at.character)
    if ref is None:
        return []
    project = contexts.for_path(path).project
    found = [_location(p, r.range) for p, r in index.children(project, ref.value)]
    if include_declaration:
        found = [_location(p, r.range) for p, r in index.definitions(project, ref.value)] + found
    return found


def _comments(source: str) -> list[tuple[int, int, str]]:
    """(1-based line, code-point column, text) of every comment; [] if the text does not tokenize."""
    out: list[tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.start[1], tok.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def document_links(
    text: DocText, path: Path, contexts: ContextCache, tooltips: bool = False
) -> list[types.DocumentLink]:
    """Links for `.sql` paths in comments that name an existing file inside the project."""
    context = contexts.for_path(path)
    root = context.project.root.resolve()
    try:
        scripts = context.project.scripts_dir(context.settings.scripts_dir)
    except ConfigError:
        scripts = root / "scripts" / "sql"
    links: list[types.DocumentLink] = []
    for line, col, comment in _comments(text.source):
        for start, end in sql_paths(comment):
            target = _resolve(comment[start:end], root, scripts, path.parent)
            if target is None:
                continue
            rng = Range.of(line, col + start, line, col + end)
            links.append(
                types.DocumentLink(
                    range=text.to_lsp_range(rng),
                    target=from_fs_path(str(target)) or target.as_uri(),
                    tooltip="Open the data script" if tooltips else None,
                )
            )
    return links


def _resolve(written: str, root: Path, scripts: Path, here: Path) -> Path | None:
    name = Path(written)
    for candidate in (root / name, scripts / name.name, here / name):
        try:
            resolved = candidate.resolve()
            resolved.relative_to(root)
        except (OSError, ValueError):
            continue
        if resolved.is_file():
            return resolved
    return None
