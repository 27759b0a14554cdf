"""Graph checks stay quiet on healthy repositories: separate trees, labels that are not
literals, package and templated script locations (issue 13, items 7 and 8)."""

from __future__ import annotations

from pathlib import Path

from .helpers import check_json, codes, make_project, migration, run


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")


def test_a_tree_per_dialect_is_two_graphs(tmp_path: Path) -> None:
    """versions/postgresql and versions/sqlite reuse revision ids and each has its own head."""
    versions = make_project(tmp_path)
    for dialect in ("postgresql", "sqlite"):
        _write(
            versions / dialect,
            {"a": migration("a1", None), "b": migration("b2", "a1"), "c": migration("c3", "b2")},
        )
    rc, found = check_json(tmp_path)
    assert codes(found, "DG1") == []
    assert rc == 0


def test_a_duplicate_inside_one_tree_is_still_reported(tmp_path: Path) -> None:
    versions = make_project(tmp_path)
    _write(versions / "postgresql", {"a": migration("a1", None), "b": migration("b2", "a1")})
    _write(
        versions / "sqlite",
        {"a": migration("a1", None), "b": migration("b2", "a1"), "b_again": migration("b2", "a1")},
    )
    found = codes(check_json(tmp_path)[1], "DG1")
    assert [(code, name) for code, name, _ in found] == [("DG103", "b.py"), ("DG103", "b_again.py")]
    assert all("sqlite" in f["path"] for f in check_json(tmp_path)[1] if f["code"] == "DG103")


def test_two_heads_in_one_tree_beside_another_tree_are_reported(tmp_path: Path) -> None:
    versions = make_project(tmp_path)
    _write(versions / "postgresql", {"a": migration("a1", None), "b": migration("b2", "a1")})
    _write(
        versions / "sqlite",
        {"a": migration("a1", None), "b": migration("b2", "a1"), "c": migration("c3", "a1")},
    )
    found = codes(check_json(tmp_path)[1], "DG1")
    assert [(code, name) for code, name, _ in found] == [("DG101", "b.py"), ("DG101", "c.py")]


def test_release_folders_of_one_history_stay_one_graph(tmp_path: Path) -> None:
    """Folders that name each other's revisions are one history: a missing link is found."""
    versions = make_project(tmp_path)
    _write(versions / "2023", {"a": migration("a1", None), "b": migration("b2", "a1")})
    _write(versions / "2024", {"c": migration("c3", "b2"), "d": migration("d4", "b2")})
    found = codes(check_json(tmp_path)[1], "DG1")
    assert [(code, name) for code, name, _ in found] == [("DG101", "c.py"), ("DG101", "d.py")]


def test_environments_side_by_side_without_alembic_ini(tmp_path: Path) -> None:
    """Two Alembic environments (env.py each, no alembic.ini) in one repository."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    for env in ("core", "tenant"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "env.py").write_text("# env\n", encoding="utf-8")
        _write(
            tmp_path / env / "versions", {"a": migration("a1", None), "b": migration("b2", "a1")}
        )
    rc, found = check_json(tmp_path)
    assert codes(found, "DG1") == []
    assert rc == 0


def test_labels_that_are_not_literals_tell_expand_and_contract_apart(tmp_path: Path) -> None:
    """`branch_labels = (cli.EXPAND_BRANCH,)`: a constant of the project, not readable here."""
    expand = migration("e1", "k0").replace(
        "branch_labels = None", "branch_labels = (cli.EXPAND_BRANCH,)"
    )
    contract = migration("c1", "k0").replace(
        "branch_labels = None", "branch_labels = cli.CONTRACT_BRANCH"
    )
    make_project(
        tmp_path,
        {
            "k": migration("k0", None),
            "e1": expand,
            "e2": migration("e2", "e1"),
            "c1": contract,
            "c2": migration("c2", "c1", depends_on="e2"),
        },
    )
    assert codes(check_json(tmp_path)[1], "DG1") == []


def test_the_same_opaque_label_on_both_heads_does_not_tell_them_apart(tmp_path: Path) -> None:
    same = migration("e1", "k0").replace("branch_labels = None", "branch_labels = cli.BRANCH")
    other = migration("c1", "k0").replace("branch_labels = None", "branch_labels = cli.BRANCH")
    make_project(tmp_path, {"k": migration("k0", None), "e1": same, "c1": other})
    found = codes(check_json(tmp_path)[1], "DG1")
    assert [code for code, _, _ in found] == ["DG101", "DG101"]


def test_a_package_location_with_colons_finds_its_tree(tmp_path: Path) -> None:
    """`script_location = app:server:database:_migrations`, as Alembic resolves it."""
    backend = tmp_path / "src" / "app"
    versions = backend / "server" / "database" / "_migrations" / "versions"
    versions.mkdir(parents=True)
    (backend / "__init__.py").write_text("", encoding="utf-8")
    ini = backend / "server" / "database" / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = app:server:database:_migrations\n")
    _write(versions, {"a": migration("a1", None), "b": migration("b2", "a9")})
    rc, found = check_json(tmp_path)
    # the tree is found: the broken parent (and so the second head) is reported
    assert codes(found, "DG1") == [("DG101", "a.py", 5), ("DG101", "b.py", 5), ("DG102", "b.py", 6)]
    assert rc == 1
    assert "not a folder" not in run(["check"], tmp_path).stderr


def test_a_templated_location_falls_back_to_the_versions_folders(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    versions = backend / "migrations" / "versions"
    versions.mkdir(parents=True)
    (backend / "alembic.ini").write_text(
        "[alembic]\nscript_location = {{cookiecutter.package}}/migrations\n"
    )
    _write(versions, {"a": migration("a1", None), "b": migration("b2", "a1")})
    rc, found = check_json(tmp_path)
    assert found == []
    assert rc == 0
    note = run(["check"], tmp_path).stderr
    assert "cannot be resolved statically" in note and "not a folder" not in note
