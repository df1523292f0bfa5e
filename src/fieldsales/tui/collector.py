"""The garbage collector's full collections run while the rep is not typing, and
each one scans only what was made since the last.

A full collection walks every object the collector tracks that is not frozen
(app.keep_objects freezes the ranking's). At 100,000 accounts the app tracks
35,000-55,000 more after a few minutes of use (drawn lines and their caches,
Textual's caches, the widgets of dialogs opened and closed): a full
collection took 60-200 ms, and Python starts one by itself every few dialogs,
in the middle of whatever key is being handled: a save, a cursor move or a
search took that much longer.

`Collector` turns Python's own full collections off (the young generations
are still collected as usual: a few milliseconds) and runs one when no key or
click came for `idle_seconds`, or, if the rep never pauses, after
`FORCED_AFTER` younger collections, so that memory stays bounded. As Python
itself, it waits for `PENDING` middle collections before a full one.

What survives such a collection while only the list is on the screen (no
dialog, no other screen that will be closed) is frozen (`gc.freeze`): it
lives on (lines drawn, caches), so the next collection has only what was made
since to scan (at the end of a session of keys and saves: 17 ms instead of
180 ms on a loaded machine; a closed dialog's garbage is still scanned once),
and a key arriving meanwhile waits that much less. A frozen object still goes when nothing refers to it
any more; only garbage in cycles that was alive when frozen (a toast shown at
that moment, a dialog frozen by app.keep_objects) stays, until a deep
collection: everything unfrozen, collected and frozen again. That walks every
object of the app (the ranking's too: 150-600 ms at 100,000 accounts), so it
runs only after `deep_idle_seconds` without a key, or at an idle pause once
`DEEP_AFTER` freezes have been made since the last one.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

# a full collection once no key or click came for this long (seconds)...
IDLE_SECONDS = 1.5
# ...and at least this many collections of the middle generation happened since the
# last full one (Python's own default)
PENDING = 10
# ...or after this many collections of the middle generation, whatever the keys
FORCED_AFTER = 100
# a deep collection (everything unfrozen) once no key came for this long (seconds)...
DEEP_IDLE_SECONDS = 60.0
# ...or at the first idle pause after this many freezes since the last deep one
DEEP_AFTER = 50
# a third threshold that is never reached: no full collection of Python's own
_NEVER = 1 << 30


def _always() -> bool:
    return True


class Collector:
    """Full collections between keys; `start` and `stop` bracket the app's run.

    `settled` says whether what is alive now is there to stay (the app: only its
    list screen is open), so that the survivors of a collection can be frozen."""

    def __init__(
        self,
        idle_seconds: float = IDLE_SECONDS,
        *,
        deep_idle_seconds: float = DEEP_IDLE_SECONDS,
        settled: Callable[[], bool] = _always,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.deep_idle_seconds = deep_idle_seconds
        self.settled = settled
        self.last_input = time.monotonic()
        self.collections = 0  # full collections run here
        self.deep_collections = 0
        self.frozen_since_deep = 0  # freezes made since the last deep collection
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
        idle_for = time.monotonic() - self.last_input
        idle = idle_for >= self.idle_seconds
        deep_due = idle_for >= self.deep_idle_seconds or self.frozen_since_deep >= DEEP_AFTER
        if self.frozen_since_deep and idle and deep_due and self.settled():
            self.deep()
            return True
        pending = gc.get_count()[2]  # middle collections since the last full one
        if pending < PENDING:
            return False
        if not idle and pending < FORCED_AFTER:
            return False
        gc.collect()
        self.collections += 1
        if self.settled():
            gc.freeze()  # the survivors stay: not scanned by the next collections
            self.frozen_since_deep += 1
        return True

    def deep(self) -> None:
        """Everything frozen is scanned again: the cycles that died frozen go."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.deep_collections += 1
        self.frozen_since_deep = 0
