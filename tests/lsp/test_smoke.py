"""Start-up, shutdown and the basic diagnostics round trip."""

from __future__ import annotations

from .conftest import Project
from .harness import Session


async def test_empty_upgrade_is_published_with_version_and_code_description(
    session: Session, project: Project
) -> None:
    path = project.add_after_base("a1_init.py", "a1", body="    pass")
    u = session.open(path)
    diags = await session.diagnostics(u, version=1)
    assert [d.code for d in diags] == ["DG202"]
    d = diags[0]
    assert d.source == "ddlguard"
    assert d.code_description is not None and d.code_description.href.endswith("DG202.md")
    assert d.data["code"] == "DG202" and d.data["version"] == 1
