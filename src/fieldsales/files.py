"""Writing the files the app hands out: whole or not at all, and only where it should.

Every file goes to a temporary file in the same folder, is synced, and is
renamed into place, so a kill or a full disk never leaves a truncated file
under its final name (and never touches an existing one). A target that is
not a regular file (a symbolic link, a FIFO, a device such as /dev/full) is
refused rather than replaced. Exports get the user's umask (0666 & ~umask);
files holding the app's own data (config) are private to the user (0600).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from fieldsales.errors import UserError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class FileError(UserError):
    """A file the app cannot write where asked; the message names the path and the fix."""

    title = "File not written"


def current_umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: the classic read-and-restore
    os.umask(mask)
    return mask


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in a user's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISFIFO(mode):
        return "is a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return "is not a regular file"


def check_folder(folder: Path, *, create: bool = False) -> None:
    """Raise FileError unless `folder` is (or, with `create`, can become) a folder."""
    for part in (folder, *folder.parents):
        try:
            st = part.stat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise FileError(f"{folder}: cannot use this folder ({exc.strerror})") from None
        if not stat.S_ISDIR(st.st_mode):
            what = "is a file" if part == folder else f"is under {part}, a file"
            raise FileError(f"{folder}: {what}, not a folder; choose another folder")
        if part != folder and not create:
            raise FileError(f"{folder}: no such folder; create it or choose another")
        break
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileError(
                f"{folder}: cannot create this folder ({exc.strerror}); choose another"
            ) from None


def check_target(target: Path, *, overwrite: bool = True) -> None:
    """Raise FileError when `target` must not be written: refuse, never replace."""
    try:
        st = target.lstat()
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise FileError(f"{target}: a part of this path is a file, not a folder") from None
    except OSError as exc:
        raise FileError(f"{target}: cannot use this file ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise FileError(f"{target}: is a symbolic link; give the name of a regular file")
    kind = _kind(st.st_mode)
    if kind is not None:
        raise FileError(f"{target}: {kind}; give the name of a regular file")
    if not overwrite:
        raise FileError(f"{target}: already exists; remove it or choose another name")


@contextmanager
def atomic_write(
    target: Path,
    *,
    text: bool = False,
    private: bool = False,
    overwrite: bool = True,
    create_folder: bool = False,
    **open_kw: Any,
) -> Iterator[IO[Any]]:
    """Yield a file to write; on success it replaces `target`, on any error it is removed.

    `text` opens it in text mode (pass encoding, newline as for open()).
    `private` makes it 0600 (the app's own data); otherwise 0666 & ~umask.
    `overwrite=False` refuses an existing target. Problems raise FileError.
    """
    target = Path(target)
    check_folder(target.parent, create=create_folder)
    check_target(target, overwrite=overwrite)
    mode = PRIVATE_FILE if private else 0o666 & ~current_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise FileError(
            f"{target}: cannot write in {target.parent} ({exc.strerror}); choose another folder"
        ) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w" if text else "wb", **open_kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        check_target(target, overwrite=overwrite)  # nothing appeared there meanwhile
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails, rather than replaces, if the name was taken
            os.unlink(tmp)
    except FileExistsError:
        Path(tmp).unlink(missing_ok=True)
        raise FileError(f"{target}: already exists; remove it or choose another name") from None
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        why = exc.strerror or os.strerror(exc.errno or errno.EIO)
        raise FileError(f"{target}: cannot write ({why}); nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def private_folder(folder: Path) -> Path:
    """Create `folder` (and missing parents) and make it 0700: it holds customers' data."""
    created = not folder.exists()
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if created:  # mkdir's mode is masked by the umask; an existing folder is the user's choice
        folder.chmod(PRIVATE_DIR)
    return folder
