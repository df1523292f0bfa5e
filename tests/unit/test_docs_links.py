"""Docs point only to files in the repository.

Every `docs/...` path named in the code (src/), the README, config.yaml and
the talk scripts exists, and every section it names (`docs/method.md#roi`,
`docs/method.md, 'Visiting'`, `(docs/method.md#kpis, #campaign-review)`) is a
heading of that file. Nothing refers to the planning notes kept outside the
repository (METHOD.md, DESIGN.md, STACK.md, ROADMAP).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "README.md",
    ROOT / "config.yaml",
    ROOT / "data" / "talk_scripts.yaml",
    *sorted(
        p
        for p in (ROOT / "src").rglob("*")
        if p.suffix in {".py", ".tcss", ".yaml", ".md", ".txt"} and p.is_file()
    ),
    *sorted((ROOT / "docs").rglob("*.md")),
]
DOC_PATH = re.compile(r"(?<![\w/.])(docs/[\w./-]*\w)(?:#([\w-]+))?")
NAMED_SECTION = re.compile(r"(docs/[\w./-]*\.md), '([^']+)'")
PAREN = re.compile(r"\(([^()]*?(docs/[\w./-]*\.md)[^()]*)\)")
OUTSIDE = re.compile(r"METHOD section|METHOD\.md|DESIGN\.md|STACK\.md|ROADMAP|\.\./shared")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _headings(doc: Path) -> dict[str, str]:
    """anchor -> heading text of a Markdown file."""
    out = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            out[_slug(m.group(1))] = m.group(1).strip()
    return out


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def _references() -> list[tuple[str, str, str | None, str | None]]:
    """(where, path, anchor, heading named in words) for every reference."""
    refs: list[tuple[str, str, str | None, str | None]] = []
    for src in SOURCES:
        text = src.read_text(encoding="utf-8")
        base = src.parent if src.parent.name == "docs" else None
        for m in DOC_PATH.finditer(text):
            refs.append((_rel(src), m.group(1), m.group(2), None))
        for m in NAMED_SECTION.finditer(text):
            refs.append((_rel(src), m.group(1), None, m.group(2)))
        for m in PAREN.finditer(text):  # "(docs/method.md#visiting, #phone-practice)"
            for anchor in re.findall(r"(?<![\w/.])#([a-z][\w-]*)", m.group(1)):
                refs.append((_rel(src), m.group(2), anchor, None))
        if base is not None:  # Markdown links inside docs/: relative paths and anchors
            for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([\w-]+))?\)", text):
                if target.startswith(("http:", "https:", "mailto:")):
                    continue
                path = (base / target).resolve() if target else src
                refs.append((_rel(src), str(path.relative_to(ROOT)), anchor or None, None))
    return refs


def test_references_are_found() -> None:
    refs = _references()
    assert any(path == "docs/method.md" for _, path, _, _ in refs)
    assert len({where for where, *_ in refs}) >= 10, "the code and README point to the docs"


@pytest.mark.parametrize("ref", _references(), ids=lambda r: f"{r[0]}:{r[1]}#{r[2] or r[3]}")
def test_every_docs_reference_exists(ref: tuple[str, str, str | None, str | None]) -> None:
    where, path, anchor, named = ref
    target = ROOT / path
    assert target.exists(), f"{where} names {path}, which is not in the repository"
    if anchor or named:
        headings = _headings(target)
        if anchor:
            assert anchor in headings, f"{where}: {path} has no section #{anchor}"
        if named:
            assert named in headings.values(), f"{where}: {path} has no section '{named}'"


def test_nothing_points_outside_the_repository() -> None:
    found = [
        f"{_rel(src)}:{n}: {line.strip()}"
        for src in SOURCES
        for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "\n".join(found)
