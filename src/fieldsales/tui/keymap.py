"""The user's keymap checked against the app's bindings: a typo is an error, not a lost key.

Textual's `App.set_keymap` ignores an id no binding has and binds whatever
key name it is given; a rep who writes `keymap: {serach: "ctrl+f"}` or
`{search: "ctlr+f"}` would find the key silently missing. `keymap_problems`
names each such entry so `config check` and the app refuse it in one line.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.keys import Keys, key_to_character

if TYPE_CHECKING:
    from fieldsales.config import Settings

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_PACKAGES = ("fieldsales.tui.screens", "fieldsales.tui.widgets")


def binding_ids() -> set[str]:
    """Every binding id of the app, its screens and its widgets."""
    modules = [importlib.import_module("fieldsales.tui.app")]
    for name in _PACKAGES:
        package = importlib.import_module(name)
        modules += [
            importlib.import_module(f"{name}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)
        ]
    classes = [obj for m in modules for obj in vars(m).values() if isinstance(obj, type)]
    return {
        b.id
        for cls in classes
        for b in getattr(cls, "BINDINGS", None) or ()
        if isinstance(b, Binding) and b.id
    }


def is_key_name(key: str) -> bool:
    """A Textual key name: optional modifiers, then a named key or one character."""
    *mods, base = key.strip().split("+")
    if not base or any(m not in MODIFIERS for m in mods):
        return False
    if len(base) == 1 or base in {k.value for k in Keys}:
        return True
    return key_to_character(base) is not None or base in _NAMED_CHARACTERS


_NAMED_CHARACTERS = frozenset({"slash", "backslash", "at", "minus", "plus", "underscore"})


def check_keymap(settings: Settings) -> None:
    """Raise ConfigError naming the config file and each keymap entry that would not bind."""
    from fieldsales.config import ConfigError

    problems = keymap_problems(settings.keymap)
    if problems:
        where = settings.source_files[-1] if settings.source_files else "config"
        raise ConfigError("\n".join(f"{where}: {p}" for p in problems))


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """One line per keymap entry that would not bind: unknown id, or unknown key name."""
    if not keymap:
        return []
    known = binding_ids()
    problems = []
    for bid, keys in keymap.items():
        if bid not in known:
            problems.append(
                f"keymap.{bid}: no binding has this id (press ? in the app for the ids)"
            )
            continue
        bad = [k for k in str(keys).split(",") if not is_key_name(k)]
        if bad or not str(keys).strip():
            what = ", ".join(repr(k.strip()) for k in bad) or "nothing"
            problems.append(f"keymap.{bid}: {what} is not a key name (e.g. ctrl+f, f5, slash, a)")
    return problems
