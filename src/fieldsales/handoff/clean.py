"""What a hand-off file may print of an account's words: no control characters, escaped Markdown.

Company names, addresses and notes come from reps' spreadsheets and may hold
anything. Control characters (and the code points XML forbids) are dropped so
no GPX, ICS, HTML or Markdown file can be made invalid by a cell; tab and line
feed stay (XML and the writers' own escaping handle them).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar, cast

# C0 but tab and line feed, DEL, C1, lone surrogates, and U+FFFE/U+FFFF (not XML characters)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# CommonMark: any ASCII punctuation may be backslash-escaped; these ones change the rendering
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")
# a line that would start a list, a heading or a quote if printed at a line's start
_MD_BULLET = re.compile(r"^(\s*)([-=])", re.MULTILINE)
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)

T = TypeVar("T")


def printable(text: str) -> str:
    """`text` without control characters; CR LF and lone CR become LF."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def cleaned(obj: T) -> T:
    """A copy of a (frozen) dataclass with every string in it, nested ones too, printable."""
    return cast(T, _clean(obj))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def md(text: str) -> str:
    """`text` shown as itself in Markdown: special characters backslash-escaped."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = _MD_BULLET.sub(r"\1\\\2", escaped)
    return _MD_NUMBERED.sub(r"\1\\\2", escaped)
