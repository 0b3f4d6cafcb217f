"""Imports between the top-level packages follow the arrows: service -> chemaudit <- tasks,
service -> chemaudit_client -> chemaudit, and never back (read from the source with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chemaudit", "chemaudit_client", "service", "tasks")
ALLOWED = {
    "chemaudit": {"chemaudit"},
    "chemaudit_client": {"chemaudit_client", "chemaudit"},
    "tasks": {"tasks", "chemaudit"},
    "service": {"service", "chemaudit", "chemaudit_client"},
}


def imported_packages(source: str) -> set[str]:
    """The project packages a module's source imports, at any depth (functions, TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(top for top in (name.split(".")[0] for name in names) if top in PACKAGES)
    return found


def violations() -> list[str]:
    wrong = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for target in sorted(imported_packages(path.read_text(encoding="utf-8")) - ALLOWED[package]):
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    return wrong


def test_the_reader_finds_imports_at_any_depth():
    source = "import os\nfrom service.ops import cli\ndef f():\n    import tasks.actors\n    from . import x\n"
    assert imported_packages(source) == {"service", "tasks"}


def test_every_package_is_read():
    assert all(any((ROOT / package).rglob("*.py")) for package in PACKAGES)


def test_imports_between_packages_follow_the_arrows():
    assert violations() == []
