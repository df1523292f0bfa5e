"""What the app remembers between runs: the language chosen with F2.

Kept in the user's state folder (locations.ui_state_file), never in their
config.yaml. The choice holds while config.yaml's `language` stays what it
was when the choice was made: a language set in config.yaml later wins.
A missing or unreadable file is no error: the config's language is used.
"""

from __future__ import annotations

import json
from typing import Any

from fieldsales import locations
from fieldsales.files import atomic_write
from fieldsales.i18n import LANGUAGES


def _read() -> dict[str, Any]:
    try:
        data = json.loads(locations.ui_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def saved_language(config_language: str) -> str:
    """The language to start in: the last one chosen with F2, else the config's."""
    data = _read()
    chosen = data.get("language")
    if chosen in LANGUAGES and data.get("config_language") == config_language:
        return str(chosen)
    return config_language


def save_language(language: str, config_language: str) -> bool:
    """Remember `language` for the next start; False when the file cannot be written."""
    data = _read()
    data.update(language=language, config_language=config_language)
    target = locations.ui_state_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, text=True, encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
    except OSError:
        return False
    return True
