"""Database names as a user gives them: a file path or a URL, shown without secrets.

A password may sit in the URL's user part (`user:secret@host`) or in its
query (`?password=secret`); every URL the app prints goes through `mask`.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

_USERINFO = re.compile(r"(?P<head>://[^:/@?#]*):(?P<secret>[^@/?#]*)@")
_QUERY = re.compile(r"(?P<head>[?&](?:password|passwd|pwd|sslpassword)=)(?P<secret>[^&#]*)", re.I)
HIDDEN = "***"
URL_HINT = "give a file path, or a URL such as postgresql://user@host/dbname"


class UrlError(ValueError):
    """A --db value that names no database; the message is safe to print."""


def mask(text: str) -> str:
    """`text` with any password in a URL (user part or query) replaced by ***."""
    text = _USERINFO.sub(lambda m: f"{m['head']}:{HIDDEN}@", text)
    return _QUERY.sub(lambda m: f"{m['head']}{HIDDEN}", text)


def is_url(db: str | Path) -> bool:
    return "://" in str(db)


def parse(text: str) -> URL:
    """The URL, or UrlError naming it (masked) when it is not a usable database URL."""
    try:
        url = sa.make_url(text)
    except (sa.exc.ArgumentError, ValueError):
        raise UrlError(f"{mask(text)}: not a database URL; {URL_HINT}") from None
    if url.drivername.startswith("sqlite") and (
        url.username or url.password or url.host or url.port
    ):
        raise UrlError(
            f"{mask(text)}: a SQLite URL takes no user, password or host "
            "(sqlite:////absolute/path.db); " + URL_HINT
        )
    return url
