"""Every file path the app uses, in one place (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_state_path

APP_NAME = "fieldsales"

_PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE_DIR.parent.parent  # src/fieldsales -> repository root


def bundled_file(name: str) -> Path:
    """A file shipped with the app: inside the wheel, or in the source tree.

    `name` is the file name as found under `_bundled/` in an installed wheel;
    in a source checkout the same file lives at the repository root
    (config.yaml) or in `data/`.
    """
    inside = _PACKAGE_DIR / "_bundled" / name
    if inside.exists():
        return inside
    for candidate in (_SOURCE_ROOT / name, _SOURCE_ROOT / "data" / name):
        if candidate.exists():
            return candidate
    return inside


def package_data(name: str) -> Path:
    """Data files kept inside the package (e.g. the offline postal-code table)."""
    return _PACKAGE_DIR / "geo" / "data" / name


def config_dir() -> Path:
    override = os.environ.get("FIELDSALES_HOME")
    if override:
        return Path(override) / "config"
    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    override = os.environ.get("FIELDSALES_HOME")
    if override:
        return Path(override) / "data"
    return user_data_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    """What the app remembers between runs (not settings: config.yaml is the user's)."""
    override = os.environ.get("FIELDSALES_HOME")
    if override:
        return Path(override) / "state"
    return user_state_path(APP_NAME, appauthor=False)


def ui_state_file() -> Path:
    return state_dir() / "ui.json"


def user_config_file() -> Path:
    return config_dir() / "config.yaml"


def user_talk_scripts_file() -> Path:
    return config_dir() / "talk_scripts.yaml"


def default_db_file() -> Path:
    return data_dir() / "fieldsales.db"


def demo_db_file() -> Path:
    return data_dir() / "demo.db"


def export_dir() -> Path:
    return data_dir() / "exports"


def export_file(stem: str, suffix: str) -> Path:
    """A new file name in the exports folder (created if needed), stamped with the time."""
    from datetime import datetime

    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}{suffix}"
