"""The one error type a user can cause: a short title and one line.

Light on purpose: importing this loads neither the database nor the settings
layer, so `--help` and the CLI's error handler can import it for free.
Every user-facing error (a bad config, a locked database, a day that cannot
be planned, an unknown route...) subclasses `UserError`; the CLI prints it as
`error: <line>` and the app shows it as a notification titled `title`.
"""

from __future__ import annotations

from typing import ClassVar


class UserError(Exception):
    """Something the user can fix; `str(exc)` is the line shown to them."""

    title: ClassVar[str] = "Error"

    @property
    def line(self) -> str:
        """The message on one line (a multi-line message keeps its first line)."""
        text = str(self).strip()
        return text.splitlines()[0] if text else self.title

    def show(self) -> tuple[str, str]:
        """(title, line), the way the CLI and the app present it."""
        return self.title, self.line
