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
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from ddlguard.lsp.context import ContextCache
from ddlguard.lsp.revisions import RevisionIndex, ref_at, refs_of_source
from ddlguard.lsp.text import DocText
from ddlguard.model import Range
from ddlguard.project import ConfigError

SQL_PATH = re.compile(r"[\w.@+\-/]*[\w.@+\-]+\.sql\b")


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
        for match in SQL_PATH.finditer(comment):
            target = _resolve(match.group(0), root, scripts, path.parent)
            if target is None:
                continue
            rng = Range.of(line, col + match.start(), line, col + match.end())
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
