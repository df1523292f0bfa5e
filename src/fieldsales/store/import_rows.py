"""Reading an import file's rows: every cell converted and checked, every
problem collected with its row number (nothing is written here).

Integers are checked against the column they go to on this database (SQLite
holds 64 bits in any integer column; PostgreSQL INTEGER 32, BIGINT 64).
"""

from __future__ import annotations

import os
import pickle
import queue
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from hashlib import blake2b
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from fieldsales.domain import columns as cols
from fieldsales.domain.parse import match_keys
from fieldsales.forking import fork_frozen
from fieldsales.store import csvio
from fieldsales.store.models import Account

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
CHUNK = 2000  # rows per executemany and per progress step

SQLITE_INTEGER_MAX = 2**63 - 1  # every SQLite integer, whatever the declared type
INTEGER_MAX = {"SMALLINT": 2**15 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
PREVIEW_CHARS = 40  # of a broken line, in the message
MULTILINE_FIELDS = frozenset({"notes"})
_BREAKS = re.compile("[\t\r\n]+")
_HAS_BREAK = re.compile("[\t\r\n]")
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    reason: str
    allowed: tuple[str, ...] | None = None  # set for a value no vocabulary knows


@dataclass
class ImportReport:
    path: Path
    encoding: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # how the file is read: (header, field) per column read; field -> (unit, days per
    # unit) of a header in another unit; (field, value, stored as) -> rows
    columns: list[tuple[str, str]] = field(default_factory=list)
    units: dict[str, tuple[str, float]] = field(default_factory=dict)
    translated: dict[tuple[str, str, str], int] = field(default_factory=dict)
    rejects_file: Path | None = None
    written: bool = False
    dry_run: bool = False  # checked and applied in a transaction rolled back
    touched_ids: list[str] = field(default_factory=list)  # created and updated accounts


CELL_SEP = "\x1f"  # joins a row's cells sent from the checking process (Row.raw)


@dataclass
class Row:
    number: int
    # the row's cells; sent from the checking process, joined by CELL_SEP into
    # one text (one object to pickle, not one per cell): Row.cells() splits it
    raw: list[str] | str
    values: dict[str, Any]
    key: tuple[str, str]

    def cells(self) -> list[str]:
        """The row's cells as the file had them (for the rejects file)."""
        return self.raw.split(CELL_SEP) if isinstance(self.raw, str) else self.raw


def packed_cells(raw: list[str]) -> list[str] | str:
    """The cells as one text joined by CELL_SEP, unless a cell holds it (then
    the list: split again, it would not be the same cells)."""
    joined = CELL_SEP.join(raw)
    return joined if raw and joined.count(CELL_SEP) == len(raw) - 1 else raw


def packed_rows(rows: list[Row]) -> tuple[tuple[str, ...] | None, list[tuple[Any, ...]]]:
    """Rows as they cross the pipe: (names, rows as tuples). When every row's
    values have the same names in the same order (a chunk's usually do),
    `names` holds them and each row its values as a tuple: a dict per row
    pickles at twice the cost, and unpickles at many times it."""
    names = tuple(rows[0].values) if rows else ()
    if all(tuple(r.values) == names for r in rows):
        return names, [
            (r.number, packed_cells(r.raw) if isinstance(r.raw, list) else r.raw,
             tuple(r.values.values()), r.key)
            for r in rows
        ]  # fmt: skip
    return None, [(r.number, r.raw, r.values, r.key) for r in rows]


def unpacked_rows(names: tuple[str, ...] | None, sent: list[tuple[Any, ...]]) -> list[Row]:
    """The rows packed_rows sent."""
    if names is None:
        return [Row(*r) for r in sent]
    return [
        Row(number, raw, dict(zip(names, values, strict=True)), key)
        for number, raw, values, key in sent
    ]


def integer_limits(dialect: sa.Dialect) -> dict[str, int]:
    """The largest whole number each integer column holds on this database."""
    limits: dict[str, int] = {}
    for column in ACCOUNT.columns:
        if isinstance(column.type, sa.Integer):
            if dialect.name == "sqlite":
                limits[column.name] = SQLITE_INTEGER_MAX
            else:
                name = column.type.compile(dialect=dialect).upper()
                limits[column.name] = INTEGER_MAX.get(name, INTEGER_MAX["BIGINT"])
    return limits


def out_of_range(values: dict[str, Any], limits: dict[str, int]) -> list[tuple[str, str]]:
    return [
        (name, f"too large for the database (at most {limits[name]:,})")
        for name, value in values.items()
        if name in limits and isinstance(value, int) and abs(value) > limits[name]
    ]


class RowChecker:
    """Reads and checks the rows of one file as they stream by, keeping only
    what duplicate detection and the report need (each row's key and the cells
    of the bad rows), never the parsed rows of the whole file.

    `problems` collects every problem in row order; `bad` the cells of each
    bad row (for FILE.rejects.csv).
    """

    def __init__(
        self,
        headers: list[str],
        fields: dict[int, str],
        today: date,
        vocab: cols.Vocabulary,
        limits: dict[str, int],
        units: dict[str, tuple[str, float]],
    ) -> None:
        self.width = len(headers)
        self.fields = fields
        self.limits = limits
        self.reader = cols.RowReader(vocab, today, units)
        # the first row of each key, by a 16-byte digest of the key: a file of
        # a million rows does not keep its keys (no two keys share a digest in practice)
        self.first_by_key: dict[bytes, int] = {}
        self.problems: list[RowProblem] = []
        self.bad: dict[int, list[str]] = {}
        self.rows = 0

    def check(self, batch: list[tuple[int, list[str], tuple[str, str] | None]]) -> list[Row]:
        """The good rows of a batch; the problems of the others are recorded."""
        self.rows += len(batch)
        width, limits = self.width, self.limits
        names = list(self.fields.values())
        # one list per column (zip transposes in C; a short row gets empty cells)
        need = max(self.fields, default=-1) + 1
        cells = [raw if len(raw) >= need else raw + [""] * (need - len(raw)) for _, raw, _ in batch]
        by_index = list(zip(*cells, strict=False)) if cells else []
        columns: list[Sequence[str]] = [by_index[i] for i in self.fields]
        for j, name in enumerate(names):
            if name not in MULTILINE_FIELDS and _HAS_BREAK.search("".join(columns[j])):
                columns[j] = [cell(name, text) for text in columns[j]]
        results = self.reader.convert_many(names, columns)
        limited = [n for n in cols.stored_fields(names) if n in limits]
        if limited:  # only where a column holds a number beyond its limit are rows looked at
            read = self.reader.last_columns
            limited = [n for n in limited if _beyond(read.get(n, ()), limits[n])]
        found: dict[int, list[RowProblem]] = {}  # the rows with a problem
        for i, ((number, raw, broken), result) in enumerate(zip(batch, results, strict=True)):
            if result.errors or broken is not None or len(raw) > width or limited:
                listed = self._problems(number, raw, broken, result, limited, columns, i)
                if listed:
                    found[i] = listed
        clean = [r.values for i, r in enumerate(results) if i not in found] if found else None
        set_match_keys(clean if clean is not None else [r.values for r in results])  # at once
        good: list[Row] = []
        first_by_key = self.first_by_key
        for i, ((number, raw, _), result) in enumerate(zip(batch, results, strict=True)):
            problems = found.get(i) if found else None
            if problems is None:
                v = result.values
                key = _key(v)
                first = first_by_key.setdefault(key_digest(key), number)
                if first == number:
                    good.append(Row(number, raw, v, key))
                    continue
                problems = [
                    RowProblem(number, key[0], key[1], f"duplicate: same {key[0]} as row {first}")
                ]
            self.problems.extend(problems)
            self.bad[number] = raw
        return good

    def _problems(
        self,
        number: int,
        raw: list[str],
        broken: tuple[str, str] | None,
        result: cols.RowResult,
        limited: list[str],
        columns: list[Sequence[str]],
        i: int,
    ) -> list[RowProblem]:
        """The problems of row `i` of a batch: its cells', numbers beyond what
        the database holds, and how it reads as CSV."""
        width = self.width
        problems = [
            RowProblem(number, e.column, e.value, e.reason, e.allowed) for e in result.errors
        ]
        if limited:
            where = {name: j for j, name in enumerate(self.fields.values())}
            problems += [
                RowProblem(number, name, columns[where[name]][i] if name in where else "", why)
                for name, why in out_of_range(
                    {n: result.values.get(n) for n in limited}, self.limits
                )
            ]
        if broken is not None:
            reason, line = broken
            problems.append(RowProblem(number, "CSV", preview(line), reason))
        elif len(raw) > width and any(c.strip() for c in raw[width:]):
            problems.append(
                RowProblem(number, f"column {width + 1}", raw[width], "more cells than headers")
            )
        return problems

    def chunks(
        self,
        rows: Iterator[tuple[int, list[str], tuple[str, str] | None]],
        expected: int,
        progress: Progress | None,
    ) -> Iterator[list[Row]]:
        """The good rows, CHUNK rows read at a time; progress as rows are read
        (`expected`: the rows to expect, until the last is read)."""
        batch: list[tuple[int, list[str], tuple[str, str] | None]] = []
        for item in rows:
            batch.append(item)
            if len(batch) == CHUNK:
                good = self.check(batch)
                batch = []
                if progress is not None:
                    progress("checking", self.rows, max(expected, self.rows + 1))
                yield good
                del good  # one chunk alive at a time
        good = self.check(batch) if batch else []
        if progress is not None:
            progress("checking", self.rows, self.rows)
        yield good


T = TypeVar("T")


def read_ahead(chunks: Iterator[T]) -> Iterator[T]:
    """The chunks of `chunks`, the next one read and checked in a thread while
    the caller writes this one (SQLite writes and file reads run without the
    GIL, so they overlap with parsing). Two chunks are alive at most: the
    thread starts the next only when the caller is done with the one before.
    What the thread raises is raised here, in order; when the caller stops
    early, the thread stops after the chunk it is checking."""
    box: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    slots = threading.Semaphore(2)  # chunks alive: being written, being checked
    stop = threading.Event()

    def produce() -> None:
        source = iter(chunks)
        while True:
            while not slots.acquire(timeout=0.1):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            try:
                chunk = next(source)
            except StopIteration:
                box.put(("end", None))
                return
            except BaseException as exc:  # handed to the caller, raised there
                box.put(("error", exc))
                return
            box.put(("chunk", chunk))
            del chunk

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
            del item
            slots.release()
    finally:
        stop.set()
        thread.join()


FORK_MIN_LINES = 3 * CHUNK  # a smaller file is checked in a thread: no process to start
FRAME = 8  # bytes of each message's length, before it on the pipe


def can_check_apart(lines: int) -> bool:
    """Check the rows in a process of their own? On Linux (fork), for files of
    a few chunks and more."""
    return sys.platform == "linux" and hasattr(os, "fork") and lines >= FORK_MIN_LINES


class Checked:
    """What the checking process found besides the good rows: its report's
    counts, as they arrive (the rows read, the problems and the bad rows'
    cells are also added to the checker in this process)."""

    translated: dict[tuple[str, str, str], int]

    def __init__(self) -> None:
        self.translated = {}


def check_apart(
    checker: RowChecker,
    rows: Iterator[tuple[int, list[str], tuple[str, str] | None]],
    expected: int,
    progress: Progress | None,
    prepare: Callable[[list[Row]], Any],
    checked: Checked,
) -> Iterator[tuple[list[Row], Any]]:
    """checker.chunks(rows, ...) run in a forked child process, each good chunk
    with prepare(chunk) (what needs only the rows: digests, positions), sent
    back through a pipe: reading and checking the file use the second core
    while this process writes (threads share one, the GIL).

    The child never touches the database (its connection is the parent's,
    left alone) and leaves with os._exit. Here, the checker gets the child's
    counts, problems and bad rows as they come; progress is called with the
    child's. An error of the file (CsvError) is raised here after the chunks
    before it, as in a thread; a child that dies without a word is an error
    too. Stopping early (a bad row, an interrupt) ends the child."""
    read_end, write_end = os.pipe()
    try:
        pid = fork_frozen()  # the child's copy of this process's objects stays shared
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - the child: what it does arrives in the parent
        os.close(read_end)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
        _child(checker, rows, expected, prepare, write_end)
    os.close(write_end)
    return _received(pid, read_end, checker, progress, checked)


def _child(
    checker: RowChecker,
    rows: Iterator[tuple[int, list[str], tuple[str, str] | None]],
    expected: int,
    prepare: Callable[[list[Row]], Any],
    fd: int,
) -> None:  # pragma: no cover - runs in the child process
    code = 0
    try:
        out = os.fdopen(fd, "wb", buffering=1 << 20)

        def send(message: tuple[Any, ...]) -> None:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(len(data).to_bytes(FRAME, "little"))
            out.write(data)

        def report(phase: str, done: int, total: int) -> None:
            send(("progress", phase, done, total))
            out.flush()

        for good in checker.chunks(rows, expected, report):
            ahead = prepare(good)
            # as tuples (a dataclass pickles and unpickles at a third of the
            # speed), their cells as one text and their values without names
            names, rows_sent = packed_rows(good)
            send(("chunk", names, rows_sent, ahead, checker.rows, checker.problems, checker.bad))
            out.flush()
            checker.problems, checker.bad = [], {}  # sent: the parent keeps them
            del good, ahead, rows_sent
        send(("end", checker.rows, checker.reader.translated))
        out.flush()
    except BaseException as exc:
        code = 1
        try:
            try:
                send(("error", exc))
            except Exception:  # an error that does not pickle: its message
                send(("error", RuntimeError(str(exc) or type(exc).__name__)))
            out.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _received(
    pid: int,
    fd: int,
    checker: RowChecker,
    progress: Progress | None,
    checked: Checked,
) -> Iterator[tuple[list[Row], Any]]:
    """The child's messages, read off the pipe in a thread (reading waits
    without the GIL, so the child is never held up by this process's writing)
    and unpickled here, in the caller's thread: unpickled in the reading
    thread, each chunk held the GIL for milliseconds while SQLite, which takes
    it back after every row it inserts, waited for it."""
    inp = os.fdopen(fd, "rb", buffering=1 << 20)
    ended = False
    try:
        for data in read_ahead(_frames(inp)):
            message = pickle.loads(data)
            del data
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(*message[1:])
            elif kind == "chunk":
                _, names, rows_sent, ahead, checker.rows, problems, bad = message
                checker.problems.extend(problems)
                checker.bad.update(bad)
                good = unpacked_rows(names, rows_sent)
                del message, problems, bad, rows_sent
                yield good, ahead
                del good, ahead
            elif kind == "end":
                _, checker.rows, checked.translated = message
                os.waitpid(pid, 0)
                ended = True
                return
            else:  # "error": raised here, as the thread would have
                os.waitpid(pid, 0)
                ended = True
                raise message[1]
        _, status = os.waitpid(pid, 0)  # the pipe closed without the last word
        ended = True
        raise csvio.CsvError(
            f"checking the file stopped: its process ended ({_how(status)}); nothing was imported"
        )
    finally:
        if not ended:  # stopped early: the child stops too
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        inp.close()


def _frames(inp: Any) -> Iterator[bytes]:
    """The messages on the pipe, each as its pickled bytes, until it closes
    (a message cut short is dropped: what follows says how the child ended)."""
    while True:
        head = inp.read(FRAME)
        if len(head) < FRAME:
            return
        size = int.from_bytes(head, "little")
        data = inp.read(size)
        if len(data) < size:  # cut short: the child died writing it
            return
        yield data


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def locked(progress: Progress | None) -> Progress | None:
    """`progress` callable from two threads (checking and writing), one call at a time."""
    if progress is None:
        return None
    lock = threading.Lock()
    call = progress

    def report(phase: str, done: int, total: int) -> None:
        with lock:
            call(phase, done, total)

    return report


def key_digest(key: tuple[str, str]) -> bytes:
    """A row's key (kind, value) as 16 bytes: what duplicate detection keeps."""
    return blake2b(f"{key[0]}\x00{key[1]}".encode(), digest_size=16).digest()


def _beyond(values: Sequence[Any], limit: int) -> bool:
    """Does a column of the batch (one value per row: a whole number, None,
    or a marker of a cell with an error) hold a whole number beyond `limit`?"""
    try:  # whole numbers and None only: the largest, without a Python step per value
        return max(map(abs, filter(None, values)), default=0) > limit
    except TypeError:  # a cell with an error (or another value) among them
        return any(isinstance(v, int) and abs(v) > limit for v in values if v is not None)


def cell(name: str, text: str) -> str:
    """Tabs and line breaks (kept inside a quoted cell) only where a field holds them."""
    if name in MULTILINE_FIELDS or ("\n" not in text and "\t" not in text and "\r" not in text):
        return text
    return _BREAKS.sub(" ", text)


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def set_match_keys(rows: list[dict[str, Any]]) -> None:
    """Sets the match key of each row (its values), all at once."""
    keys = match_keys(
        [v["company"] for v in rows],
        [v.get("prefecture") for v in rows],
        [v.get("city") for v in rows],
        [v.get("address") for v in rows],
    )
    for v, key in zip(rows, keys, strict=True):
        v["match_key"] = key


def _key(v: dict[str, Any]) -> tuple[str, str]:
    if v.get("id"):
        return ("id", v["id"])
    if v.get("external_id"):
        return ("external_id", v["external_id"])
    return ("company + address", v["match_key"])


def shift_dates(rows: list[Row], days: int) -> None:
    delta = timedelta(days=days)
    for row in rows:
        for name in ("first_order_date", "last_order_date"):
            if row.values.get(name) is not None:
                row.values[name] += delta


def write_rejects(
    path: Path, headers: list[str], bad: dict[int, list[str]], problems: list[RowProblem]
) -> Path:
    """FILE.rejects.csv: each bad row as read, with its reasons."""
    by_row: dict[int, list[str]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(f"{p.column}: {p.reason} ({p.value!r})")
    target = path.with_suffix(".rejects.csv")
    rows = [[str(n), *bad[n], "; ".join(by_row[n])] for n in sorted(by_row) if n in bad]
    csvio.write_csv(target, ["row", *headers, "errors"], rows)
    return target
