"""A long listing written by two processes: this one and a forked child build
alternate batches (reading their fields, filling their lines), so building
uses the second core; this process writes every batch, in order.

The child builds batches 1, 3, 5, ... and sends each one's text, encoded as
the output will be, through a pipe; this process builds 0, 2, 4, ... and,
between two of its own, copies the child's next one to the output. The pipe
holds about one batch, so the child stays at most a batch or two ahead and
memory stays flat. A child that ends early (killed, an error) loses nothing:
this process builds the batches it did not send, and an error they raise is
raised here as it would be without the child. The child reads through a
connection of its own, never writes, ignores Ctrl+C (this process stops it)
and leaves with os._exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Generator
from typing import IO, Any

from fieldsales.forking import fork_frozen, stop_child

APART_FROM = 8  # batches: a shorter listing is built by this process alone
FRAME = 8  # bytes of each batch's number, then of its length, before it on the pipe
MAX_BATCH_BYTES = 1 << 31  # a batch's text: anything longer is not the child's
PIPE_BYTES = 1 << 20  # asked of the pipe (Linux): about one batch of JSON

# texts(first, step): the text of batches first, first + step, ... in order
Texts = Callable[[int, int], Generator[str, None, None]]


def can_split(batches: int) -> bool:
    """Build with a child process? On Linux (fork), for listings of a few batches."""
    return sys.platform == "linux" and hasattr(os, "fork") and batches >= APART_FROM


def write_batches(
    out: IO[str],
    texts: Texts,
    count: int,
    *,
    apart: bool,
    in_child: Callable[[], None] = lambda: None,
) -> None:
    """Write the `count` batches of texts(0, 1) to out, in order; with `apart`,
    the odd ones built by a forked child (which first calls in_child(): its
    own database connection)."""
    if not apart or count < 2:
        _write_all(out, texts(0, 1))
        return
    binary = _binary(out)
    encoding, errors = "utf-8", "strict"
    if binary is not None:
        encoding, errors = out.encoding, getattr(out, "errors", None) or "strict"  # type: ignore[attr-defined]
    out.flush()  # nothing buffered is copied into the child
    read_end, write_end = os.pipe()
    with contextlib.suppress(AttributeError, OSError):
        import fcntl

        fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    try:
        pid = fork_frozen()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        _write_all(out, texts(0, 1))  # no process to start: built here alone
        return
    if pid == 0:  # pragma: no cover - the child: what it does arrives in the parent
        os.close(read_end)
        _child(texts, in_child, write_end, encoding, errors)
    os.close(write_end)
    inp = os.fdopen(read_end, "rb")  # buffered: a read returns all it asks, or the end
    own = texts(0, 2)
    try:
        for k in range(count):
            if k % 2 == 0:
                out.write(next(own))  # not held while the next batch is built
                continue
            data = _frame(inp, k)
            if data is None:  # the child ended without batch k: built here, with the rest
                stop_child(pid)
                own.close()
                _write_all(out, texts(k, 1))
                return
            if binary is not None:
                out.flush()
                binary.write(data)
            else:
                out.write(data.decode(encoding, errors))
            del data
    finally:
        own.close()
        inp.close()
        stop_child(pid)


def _write_all(out: IO[str], texts: Generator[str, None, None]) -> None:
    for text in texts:
        out.write(text)
        del text  # not held while the next batch is built


def _binary(out: IO[str]) -> Any:
    """The byte stream under a text output, when the child's bytes may go
    there directly (encoded as the output encodes; no newline translation)."""
    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or not isinstance(encoding, str) or os.linesep != "\n":
        return None
    return buffer


def _child(
    texts: Texts, in_child: Callable[[], None], fd: int, encoding: str, errors: str
) -> None:  # pragma: no cover - runs in the child process
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
        in_child()
        # buffered: it writes all of each frame (a raw write to a pipe may write
        # part of it, when a signal interrupts it)
        with os.fdopen(fd, "wb", buffering=1 << 16) as pipe:
            for k, text in enumerate(texts(1, 2)):
                data = text.encode(encoding, errors)
                del text
                pipe.write((2 * k + 1).to_bytes(FRAME, "little"))
                pipe.write(len(data).to_bytes(FRAME, "little"))
                pipe.write(data)
                pipe.flush()
                del data
    except BaseException:
        code = 1  # the parent builds what was not sent, and names the error
    finally:
        os._exit(code)


def _frame(inp: Any, number: int) -> bytes | None:
    """The child's batch `number`, or None when it ended before sending it
    whole (or sent anything else: then it is not trusted either)."""
    head = inp.read(2 * FRAME)
    if len(head) < 2 * FRAME or int.from_bytes(head[:FRAME], "little") != number:
        return None
    size = int.from_bytes(head[FRAME:], "little")
    if size > MAX_BATCH_BYTES:
        return None
    data: bytes = inp.read(size)
    return data if len(data) == size else None
