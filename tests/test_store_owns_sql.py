"""store/ owns every statement: nothing outside it imports SQLAlchemy or SQLModel
at runtime (an import under `if TYPE_CHECKING:` is for annotations only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fieldsales"
LAYERS = ("services", "planning", "tui", "commands", "handoff", "domain", "geo")
BANNED = ("sqlalchemy", "sqlmodel")

# Modules still allowed a runtime import, each with why. Empty: keep it so;
# a new entry needs a reason and an issue.
ALLOWED: dict[str, str] = {}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _banned(name: str | None) -> bool:
    return name is not None and name.split(".")[0] in BANNED


def runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every banned import not under `if TYPE_CHECKING:`,
    function-level imports included."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if _banned(a.name))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _banned(node.module):
            found.append((node.lineno, str(node.module)))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and _banned(str(arg.value)):
                found.append((node.lineno, str(arg.value)))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _modules() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (SRC / layer).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_runtime_sql_import(path: Path) -> None:
    if _name(path) in ALLOWED:
        pytest.skip(ALLOWED[_name(path)])
    hits = runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    assert not hits, f"{_name(path)}: SQL belongs in store/: " + ", ".join(
        f"line {n} imports {m}" for n, m in hits
    )


def test_allow_list_is_not_stale() -> None:
    # an allowed module that no longer imports SQL must leave the list
    for name in ALLOWED:
        hits = runtime_imports(ast.parse((SRC / name).read_text(encoding="utf-8")))
        assert hits, f"{name} is clean now: remove it from ALLOWED"


def test_the_checker_sees_through_type_checking() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sqlalchemy.engine import Engine\n"
        "else:\n    import sqlmodel\n"
        "def f():\n    from sqlmodel import Session\n"
        "import sqlalchemy as sa\n"
    )
    assert runtime_imports(tree) == [(5, "sqlmodel"), (7, "sqlmodel"), (8, "sqlalchemy")]


def test_screens_hold_no_store_rows_or_sessions() -> None:
    # the app gets plain dataclasses from services; it never opens a session
    for path in sorted((SRC / "tui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("store.models", "session_scope", "store.unit", "Session("):
            assert needle not in text, f"{_name(path)}: uses {needle}"
