"""A child process that does part of a long command's work on the second core
(the import's checking, a long listing's batches): forked with the garbage
collector's objects frozen, so the child's copy of them stays shared with
this process instead of being written page by page as it collects."""

from __future__ import annotations

import gc
import os


def fork_frozen() -> int:
    """os.fork() with every object collected and frozen first: 0 in the child
    (where they stay frozen), the child's pid here (unfrozen again). An
    OSError (no process can be started) is raised here, unfrozen."""
    gc.collect()
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        raise
    if pid != 0:
        gc.unfreeze()
    return pid
