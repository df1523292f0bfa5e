"""Writing the files the app hands out: whole or not at all.

Every file goes to a temporary file in the same folder, is synced, and is
renamed into place, so a kill or a full disk never leaves a truncated file
under its final name (and never touches an existing one).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(target: Path, *, text: bool = False, **open_kw: Any) -> Iterator[IO[Any]]:
    """Yield a file to write; on success it replaces `target`, on any error it is removed.

    `text` opens it in text mode (pass encoding, newline as for open()).
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w" if text else "wb", **open_kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
