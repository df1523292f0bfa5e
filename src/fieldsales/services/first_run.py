"""The first start: the rep's name and starting office, kept in the user's config file.

The office is located offline (postal code or address, geo.locate); the file is
the user's (--config, $FIELDSALES_CONFIG or the user config folder, as
`fieldsales config path` shows), never the bundled config.yaml. Only the
top-level `rep` and `office` entries are replaced: every other key and comment
stays as the user wrote it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from fieldsales import locations
from fieldsales.config import Place, config_path
from fieldsales.files import atomic_write, private_folder


def user_config_target(explicit: str | Path | None = None) -> Path:
    """The file the first-run answers go to: the user file in effect, or the user
    config folder's config.yaml when there is none yet."""
    return config_path(explicit) or locations.user_config_file()


def locate_office(text: str) -> Place | None:
    """A postal code (100-0005, 〒1000005) or an address -> the office, located offline."""
    # imported here: the app asks for user_config_target at every start, before the
    # list is painted, and the locator's modules cost ~25 ms of it
    from fieldsales.geo import locate as offline

    text = text.strip()
    if not text:
        return None
    pos = offline.locate(None, None, None, text)
    if pos is None:
        return None
    return Place(label=pos.label or text, lat=round(pos.lat, 6), lon=round(pos.lon, 6))


# a top-level key and the indented (or blank / comment) lines under it
_BLOCK = r"^{key}:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*#[^\n]*|[ \t]*)\n)*"


def _without(text: str, key: str) -> str:
    return re.sub(_BLOCK.format(key=re.escape(key)), "", text, flags=re.MULTILINE)


def save_rep_and_office(target: Path, rep: str, office: Place) -> None:
    """Set `rep` and `office` in the user's config file (made if missing, 0600)."""
    if target.resolve() == locations.bundled_file("config.yaml").resolve():
        raise ValueError(f"{target}: the bundled defaults are not the user's file")
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    kept = _without(_without(old if old.endswith("\n") or not old else old + "\n", "rep"), "office")
    # JSON strings are YAML strings: any name or label is quoted safely
    added = (
        f"rep: {json.dumps(rep, ensure_ascii=False)}\n"
        "office:\n"
        f"  label: {json.dumps(office.label, ensure_ascii=False)}\n"
        f"  lat: {office.lat}\n"
        f"  lon: {office.lon}\n"
    )
    new = kept + added
    data = yaml.safe_load(new) or {}
    if data.get("rep") != rep or data.get("office", {}).get("lat") != office.lat:
        raise ValueError(f"{target}: could not set rep and office in it; edit it by hand")
    private_folder(target.parent)
    with atomic_write(target, text=True, private=True, encoding="utf-8") as fh:
        fh.write(new)
