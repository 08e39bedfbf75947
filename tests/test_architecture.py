"""The layering in docs/architecture.md, checked on the source: who may import whom, and module size.

search/ is a library (it knows nothing of ingest or the web app); ingest/ knows nothing of the web app
except in its command-line entry point, which starts the server; nothing imports the command line.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "search", "webapp")
MAX_LINES = 400
# Modules allowed past MAX_LINES, each with the reason (keep this list short and the reasons honest).
LONG_MODULES: dict[str, str] = {}


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imports_from(path: Path, package: str) -> list[str]:
    return sorted(m for m in imported_modules(path) if m == package or m.startswith(package + "."))


def test_search_imports_nothing_from_ingest_or_the_web_app():
    offenders = {module_name(p): imports_from(p, "ingest") + imports_from(p, "webapp") for p in python_files("search")}
    assert {m: found for m, found in offenders.items() if found} == {}


def test_only_the_command_line_imports_the_web_app_from_ingest():
    offenders = {module_name(p): imports_from(p, "webapp") for p in python_files("ingest")
                 if not module_name(p).startswith("ingest.cli")}
    assert {m: found for m, found in offenders.items() if found} == {}


def test_nothing_imports_the_command_line():
    everything = python_files(*PACKAGES, "bench", "corpus", "tests")
    offenders = {module_name(p): imports_from(p, "ingest.cli") for p in everything
                 if not module_name(p).startswith("ingest.cli")}
    assert {m: found for m, found in offenders.items() if found} == {}


def test_the_checks_see_real_imports():
    """The walker must find what is there, or the tests above pass on nothing."""
    assert "ingest.cli.documents" in imported_modules(REPO / "ingest" / "cli" / "__init__.py")
    assert imports_from(REPO / "webapp" / "state.py", "ingest")


@pytest.mark.parametrize("path", python_files(*PACKAGES), ids=module_name)
def test_modules_stay_short(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if module_name(path) in LONG_MODULES:
        return
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines: split it along its jobs"


@pytest.mark.parametrize("path", python_files(*PACKAGES), ids=module_name)
def test_every_module_says_what_it_does(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if not tree.body:
        return  # an empty __init__
    assert ast.get_docstring(tree), f"{module_name(path)} has no opening docstring"


def test_no_absolute_path_of_a_machine_in_code_or_docs():
    texts = [p for p in python_files(*PACKAGES, "bench", "corpus", "tests")]
    texts += sorted(REPO.glob("*.md")) + sorted((REPO / "docs").glob("*.md")) + sorted((REPO / "corpus").rglob("*.md"))
    offenders = [str(p.relative_to(REPO)) for p in texts
                 if "/work/shared" in p.read_text(encoding="utf-8") and p.name != "test_architecture.py"]
    assert offenders == []


def test_all_sql_lives_in_the_store():
    """A second catalogue (PostgreSQL) must be one new implementation in ingest/store/, so no SQL elsewhere."""
    import re

    sql = re.compile(r"\.execute(many|script)?\(|\bimport sqlite3\b|\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s+[a-z_]+\b")
    outside = [p for p in python_files(*PACKAGES) if not module_name(p).startswith("ingest.store")]
    offenders = [module_name(p) for p in outside if sql.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert sql.search((REPO / "ingest" / "store" / "catalogue.py").read_text(encoding="utf-8"))  # the check sees SQL
