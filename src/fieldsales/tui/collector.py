"""The garbage collector's full collections run while the rep is not typing.

A full collection walks every object the collector tracks that is not frozen
(app.keep_objects freezes the ranking's). At 100,000 accounts the app tracks
50,000-70,000 more after a few minutes of use (drawn lines, Textual's caches,
the widgets of dialogs opened and closed): a full collection took 60-200 ms,
and Python starts one by itself every few dialogs, in the middle of whatever
key is being handled: a save, a cursor move or a search took that much longer.

`Collector` turns Python's own full collections off (the young generations
are still collected as usual: a few milliseconds) and runs one when no key or
click came for `idle_seconds`, or, if the rep never pauses, after
`FORCED_AFTER` younger collections, so that memory stays bounded. As Python
itself, it waits for `PENDING` middle collections before a full one.
"""

from __future__ import annotations

import gc
import time

# a full collection once no key or click came for this long (seconds)...
IDLE_SECONDS = 1.5
# ...and at least this many collections of the middle generation happened since the
# last full one (Python's own default)
PENDING = 10
# ...or after this many collections of the middle generation, whatever the keys
FORCED_AFTER = 100
# a third threshold that is never reached: no full collection of Python's own
_NEVER = 1 << 30


class Collector:
    """Full collections between keys; `start` and `stop` bracket the app's run."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self.last_input = time.monotonic()
        self.collections = 0  # full collections run here
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, _NEVER)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def input_seen(self) -> None:
        """A key or a click came in: no full collection for `idle_seconds`."""
        self.last_input = time.monotonic()

    def tick(self) -> bool:
        """Called every so often on the event loop: collect if it is time (True)."""
        pending = gc.get_count()[2]  # middle collections since the last full one
        if pending < PENDING:
            return False
        idle = time.monotonic() - self.last_input >= self.idle_seconds
        if not idle and pending < FORCED_AFTER:
            return False
        gc.collect()
        self.collections += 1
        return True
