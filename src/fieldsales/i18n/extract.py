"""A Babel extractor that reads Python with `ast`, so it also finds the calls
inside f-strings (`f"{t('Address')}: {s.address}"`), which Babel's own
tokenizer-based extractor skips. babel.cfg names it; the keywords and their
argument specs come from pybabel's -k options (see KEYWORDS and the README).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# The calls that carry a message, as pybabel -k specs: name[:args].
KEYWORDS = ("t", "tr", "nt:1,2", "ntr:1,2", "N_", "NP_:1c,2")


def _names(keywords: Collection[str]) -> set[str]:
    return {k.split(":", 1)[0] for k in keywords}


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str] | Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """(line, function, positional string arguments, comments) for each message call."""
    names = _names(keywords)
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in names or not node.args:
            continue
        args = tuple(
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        )
        strings = 2 if name in ("NP_", "nt", "ntr") else 1
        if all(a is not None for a in args[:strings]) and len(args) >= strings:
            yield node.lineno, name, args, []
