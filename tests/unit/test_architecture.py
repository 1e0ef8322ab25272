"""The tree keeps its architecture: Scrapy stays in the crawler's rooms, imports form no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wardcrawler

PACKAGE = Path(wardcrawler.__file__).parent
SCRAPY_FREE = ["extract", "store", "warc", "site", "portals", "normalize.py", "reading.py"]


def module_name(path: Path) -> str:
    """`wardcrawler.store.archive` for `wardcrawler/store/archive.py`."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement is."""
    names: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def sources(*rooms: str) -> list[Path]:
    """The Python files of some rooms of the package (folders or modules)."""
    found: list[Path] = []
    for room in rooms:
        target = PACKAGE / room
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


@pytest.mark.parametrize("path", sources(*SCRAPY_FREE), ids=lambda p: module_name(p))
def test_rooms_outside_the_crawler_do_not_know_scrapy(path: Path) -> None:
    bad = {
        name
        for name in imports_of(path)
        if name.split(".")[0] in {"scrapy", "twisted"} or name.startswith("wardcrawler.crawler")
    }
    assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_package_imports_form_no_cycle() -> None:
    modules = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph = {
        name: {m for m in imports_of(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    # A package's __init__ re-exporting its own modules is not a cycle worth reporting.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(f"{m}.")}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*trail, name, nxt])
            if nxt not in state:
                visit(nxt, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
