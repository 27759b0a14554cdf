"""Hover on noqa codes and flagged calls; definition, references and document links."""

from __future__ import annotations

from lsprotocol import types

from .conftest import Project
from .harness import Session, uri

BODY = '    op.execute("UPDATE users SET active = true")  # noqa: DG005'


def _pos(text: str, needle: str, offset: int = 0) -> types.Position:
    for row, line in enumerate(text.splitlines()):
        if needle in line:
            return types.Position(row, line.index(needle) + offset)
    raise AssertionError(needle)


async def _hover(s: Session, u: str, pos: types.Position) -> types.Hover | None:
    return await s.client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(u), pos)
    )


async def test_hover_on_noqa_code_and_on_flagged_call(session: Session, project: Project) -> None:
    path = project.add("a1_m.py", "a1", None, body=BODY)
    text = path.read_text()
    u = session.open(path)
    await session.diagnostics(u, version=1)
    on_code = await _hover(session, u, _pos(text, "DG005", 2))
    assert on_code is not None and isinstance(on_code.contents, types.MarkupContent)
    assert on_code.contents.kind == types.MarkupKind.Markdown
    assert "**DG005**" in on_code.contents.value and "data-read" in on_code.contents.value
    assert on_code.range == types.Range(_pos(text, "DG005"), _pos(text, "DG005", 5))
    on_call = await _hover(session, u, _pos(text, "op.execute", 3))
    assert on_call is not None and "**DG001**" in on_call.contents.value  # type: ignore[union-attr]
    assert "UPDATE on users" in on_call.contents.value  # type: ignore[union-attr]
    assert await _hover(session, u, _pos(text, "def downgrade")) is None


async def test_definition_and_references_follow_the_revision_chain(
    session: Session, project: Project
) -> None:
    base = project.add("a1_base.py", "a1", None)
    child = project.add("b2_child.py", "b2", "a1")
    merge = project.write(
        "c3_merge.py",
        '"""merge"""\nrevision = "c3"\ndown_revision = ("b2", "a1")\ndepends_on = None\n\n\ndef upgrade():\n    pass  # merge\n',
    )
    child_text = child.read_text()
    u = session.open(child)
    found = await session.client.text_document_definition_async(
        types.DefinitionParams(
            types.TextDocumentIdentifier(u), _pos(child_text, "down_revision = 'a1'", 17)
        )
    )
    assert [loc.uri for loc in found] == [uri(base)]  # type: ignore[union-attr]
    base_text = base.read_text()
    assert found[0].range.start == _pos(base_text, '"a1"')  # type: ignore[index]

    bu = session.open(base)
    refs = await session.client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(bu),
            position=_pos(base_text, 'revision = "a1"', 12),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert sorted(r.uri for r in refs or []) == sorted([uri(child), uri(merge)])
    merge_ref = next(r for r in refs or [] if r.uri == uri(merge))
    assert merge_ref.range.start == _pos(merge.read_text(), '"a1"')
    nothing = await session.client.text_document_definition_async(
        types.DefinitionParams(types.TextDocumentIdentifier(u), _pos(child_text, "def upgrade"))
    )
    assert not nothing


async def test_document_links_to_existing_scripts(session: Session, project: Project) -> None:
    scripts = project.backend / "scripts" / "sql"
    scripts.mkdir(parents=True)
    (scripts / "2025-01-01-backfill.sql").write_text("UPDATE users SET a = 1;\n")
    body = (
        "    # moved to scripts/sql/2025-01-01-backfill.sql (run it after deploy)\n"
        "    # and scripts/sql/missing.sql does not exist\n"
        '    op.create_table("t")'
    )
    path = project.add("a1_m.py", "a1", None, body=body)
    text = path.read_text()
    u = session.open(path)
    links = await session.client.text_document_document_link_async(
        types.DocumentLinkParams(types.TextDocumentIdentifier(u))
    )
    assert [link.target for link in links or []] == [uri(scripts / "2025-01-01-backfill.sql")]
    start = _pos(text, "scripts/sql/2025-01-01-backfill.sql")
    assert links[0].range == types.Range(  # type: ignore[index]
        start,
        types.Position(start.line, start.character + len("scripts/sql/2025-01-01-backfill.sql")),
    )
