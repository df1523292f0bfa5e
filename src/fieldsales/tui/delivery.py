"""Files the app hands to the user: a browser download under `fieldsales serve`, a file in
the downloads folder in a terminal.

In a browser, Textual's `App.deliver_binary` streams the file to textual-serve, which
offers it as a download. In a terminal the app writes the file itself: Textual 8.2.8's
terminal driver (`Driver.deliver_binary`) opens the target in text mode for any real
binary file (it tests `isinstance(f, typing.BinaryIO)`, which no file object passes) and
passes an encoding even in binary mode, so every binary download fails there. The file
gets a name not taken yet in the downloads folder (report.xlsx, report (2).xlsx): a
second download never overwrites the first, and a half-written file never shows.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App


def downloads_folder() -> Path:
    """The user's downloads folder ($XDG_DOWNLOAD_DIR on Linux, ~/Downloads elsewhere)."""
    from platformdirs import user_downloads_path

    return user_downloads_path()


def free_name(folder: Path, filename: str) -> str:
    """`filename`, or `stem (2).ext`, `stem (3).ext`... whichever is not in `folder` yet."""
    if not (folder / filename).exists():
        return filename
    path = Path(filename)
    n = 2
    while (folder / f"{path.stem} ({n}){path.suffix}").exists():
        n += 1
    return f"{path.stem} ({n}){path.suffix}"


def save_download(data: bytes, filename: str, folder: Path | None = None) -> Path:
    """Write `data` to the downloads folder (made when missing) under a free name; the
    path written. A folder that cannot be written raises FileError (one line)."""
    from fieldsales.files import atomic_write

    folder = downloads_folder() if folder is None else folder
    target = folder / free_name(folder, filename)
    with atomic_write(target, overwrite=False, create_folder=True) as fh:
        fh.write(data)
    return target


def browser_download(app: App[object], data: bytes, filename: str, mime_type: str) -> None:
    """Offer `data` to the browser as `filename` (under `fieldsales serve`); the app gets
    DeliveryComplete or DeliveryFailed, named by the file name, when it is done."""
    app.deliver_binary(io.BytesIO(data), save_filename=filename, mime_type=mime_type, name=filename)
