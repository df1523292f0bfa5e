"""Child processes that do part of the work on the second core.

fork_frozen: the import's checking, a long listing's batches; forked with the
garbage collector's objects frozen, so the child's copy of them stays shared
with this process instead of being written page by page as it collects.

ForkedValue: a value (numpy arrays and all) computed by a child and handed
back through shared memory: the app's first ranking, computed while this
process imports and draws the app."""

from __future__ import annotations

import contextlib
import gc
import mmap
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any


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


# What a child sends through its pipe: a head, once everything is in the
# shared memory (the arrays' bytes, where they are, the value's pickle).
# magic, the arrays' bytes, then the bytes of where they are and of the pickle
_HEAD = struct.Struct("<4sQQQ")
_MAGIC = b"FSv2"
_ALIGN = 64  # each array's bytes start at a multiple of this (numpy's alignment)
DECLINED = 3  # the child's exit code when it computed nothing (compute returned None)


def can_fork_values() -> bool:
    """Whether ForkedValue can run here: Linux (fork, memfd) with one thread only
    (a fork copies no other thread, and a lock another one holds stays held)."""
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and hasattr(os, "memfd_create")
        and threading.active_count() == 1
    )


class ForkedValue:
    """A value computed by a forked child on the other core, handed back whole.

    The child pickles what `compute` returns (protocol 5) into shared memory (a
    memfd): the numpy arrays' bytes, where they are, then the pickle; its pipe
    carries only a head, written last. Here the arrays are views of that memory:
    nothing is copied, and taking the value back costs little of this process's
    time (at 100,000 ranked accounts ~32 MB of arrays arrive in ~8 ms). `result()` is None, never an error, when the child
    computed nothing (`compute` returned None), failed, or was killed: the
    caller then computes the value itself.

    Forked without freezing the garbage collector's objects (fork_frozen): this
    is for short children at the start, while the collector is off."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        """Fork and start computing (OSError: no process or memory could be had)."""
        self._memory = os.memfd_create("fieldsales-value", getattr(os, "MFD_CLOEXEC", 0))
        try:
            read_end, write_end = os.pipe()
        except OSError:
            os.close(self._memory)
            raise
        try:
            pid = os.fork()
        except OSError:
            for fd in (read_end, write_end, self._memory):
                os.close(fd)
            raise
        if pid == 0:  # pragma: no cover - the child: what it does arrives in the parent
            os.close(read_end)
            _send(compute, write_end, self._memory)
        os.close(write_end)
        self.pid = pid
        self._pipe = read_end
        self._lock = threading.Lock()
        self._done = False
        self._value: Any = None

    def result(self) -> Any:
        """The child's value (waits for the child, reaps it), or None (see the class)."""
        with self._lock:
            if not self._done:
                try:
                    self._value = self._receive()
                finally:
                    self._done = True
                    os.close(self._pipe)
                    os.close(self._memory)
                    stop_child(self.pid)
            return self._value

    def _receive(self) -> Any:
        with os.fdopen(os.dup(self._pipe), "rb") as pipe:
            head = pipe.read(_HEAD.size)  # a buffered read: all it asks, or the end
            rest = pipe.read()
        if len(head) < _HEAD.size or rest:
            return None
        magic, shared, spans_size, data_size = _HEAD.unpack(head)
        if magic != _MAGIC or _exit_code(self.pid) != 0:
            return None
        spans = [tuple(s) for s in pickle.loads(_read_at(self._memory, spans_size, shared))]
        data = _read_at(self._memory, data_size, shared + spans_size)
        # (arrays of no bytes only: no memory to map, each gets a buffer of its own)
        view = memoryview(mmap.mmap(self._memory, shared) if shared else bytearray(0))
        buffers = [view[start : start + length] for start, length in spans]
        return pickle.loads(data, buffers=buffers)


def _send(compute: Callable[[], Any], fd: int, memory: int) -> None:  # pragma: no cover
    """In the child: compute, send, and leave (os._exit, nothing of the parent's
    runs here: no atexit, no buffered output flushed twice). Everything goes
    into the shared memory, the arrays first (mapped there), then where they
    are and the pickle (read there once); the pipe carries the head alone, last:
    a head says the rest was written whole."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent is the one stopped
        value = compute()
        if value is None:
            code = DECLINED
        else:
            buffers: list[pickle.PickleBuffer] = []
            data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
            spans, end = [], 0
            raws = [b.raw() for b in buffers]
            for raw in raws:
                spans.append((end, raw.nbytes))
                end += -(-raw.nbytes // _ALIGN) * _ALIGN
            where = pickle.dumps(spans)
            os.ftruncate(memory, end + len(where) + len(data))
            for (start, _length), raw in zip(spans, raws, strict=True):
                _write_at(memory, raw, start)
            _write_at(memory, memoryview(where), end)
            _write_at(memory, memoryview(data), end + len(where))
            os.write(fd, _HEAD.pack(_MAGIC, end, len(where), len(data)))  # a pipe takes it whole
            code = 0
    except BaseException:
        code = 1  # the parent computes it itself
    finally:
        os._exit(code)


def _read_at(fd: int, size: int, offset: int) -> bytes:
    parts, done = [], 0
    while done < size:
        part = os.pread(fd, size - done, offset + done)
        if not part:
            break
        parts.append(part)
        done += len(part)
    return b"".join(parts)


def _write_at(fd: int, data: memoryview, offset: int) -> None:  # pragma: no cover - child
    done = 0
    while done < data.nbytes:
        done += os.pwrite(fd, data[done:], offset + done)


def _exit_code(pid: int) -> int:
    """Wait for the child to end: its exit code (-signal when killed)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def stop_child(pid: int) -> None:
    """End the child (if it has not) and reap it: no process is left behind."""
    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
