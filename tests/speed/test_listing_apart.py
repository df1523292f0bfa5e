"""A long listing built by two processes (commands/listing_apart.py): every
batch is written once, in order, whatever the child does (ends early, is
killed, fails) and whether the output takes text or bytes; no process is left
behind. The listing's own text is compared with its reference in
test_listing_output.py (two-processes) and, end to end through the CLI's real
stdout, below."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from fieldsales.commands import listing_apart, listing_output
from fieldsales.config import Settings
from fieldsales.services import rank_listing
from fieldsales.services.rank import rank_accounts

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: Linux")

PARENT = os.getpid()


def _batch(k: int) -> str:
    # text the output encodes (kana, an emoji) and batches of different lengths
    return f"batch {k}: 休眠顧客 😀 {'x' * (k * 37 % 101)}\n"


def _texts(count: int, fail_in_child_at: int | None = None, how: str = "kill") -> Any:
    """texts(first, step) for `count` batches; in the child process (not this
    one), at batch `fail_in_child_at`, it is killed or raises."""

    def texts(first: int, step: int) -> Generator[str, None, None]:
        for k in range(first, count, step):
            if k == fail_in_child_at and os.getpid() != PARENT:
                if how == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                raise RuntimeError("the child's own error")
            yield _batch(k)

    return texts


def _children() -> set[int]:
    """This process's child processes, zombies (ended, not reaped) included."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        if int(text.rpartition(")")[2].split()[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.fixture(autouse=True)
def no_child_left() -> Any:
    """Every test leaves no process behind (nor one ended and never reaped)."""
    before = _children()
    yield
    assert _children() - before == set()


class _Bytes(io.TextIOWrapper):
    """A text output with a byte buffer under it, as stdout."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="")

    def text(self) -> str:
        self.flush()
        raw = self.buffer.getvalue()  # type: ignore[attr-defined]
        return bytes(raw).decode("utf-8")


@pytest.mark.parametrize("count", [2, 3, 9, 40])
@pytest.mark.parametrize("kind", ["text", "bytes"])
def test_every_batch_once_in_order(count: int, kind: str) -> None:
    out: Any = io.StringIO() if kind == "text" else _Bytes()
    out.write("head|")
    listing_apart.write_batches(out, _texts(count), count, apart=True)
    out.write("|tail")
    text = out.getvalue() if kind == "text" else out.text()
    assert text == "head|" + "".join(_batch(k) for k in range(count)) + "|tail"


@pytest.mark.parametrize("at", [1, 5, 39])
@pytest.mark.parametrize("how", ["kill", "raise"])
def test_a_child_that_ends_early_loses_nothing(at: int, how: str) -> None:
    """The child killed (SIGKILL) or failing at its batch `at`: this process
    builds that batch and the rest; the output is whole and in order."""
    out = _Bytes()
    listing_apart.write_batches(out, _texts(40, at, how), 40, apart=True)
    assert out.text() == "".join(_batch(k) for k in range(40))


def test_signals_in_the_child_while_it_writes_lose_nothing() -> None:
    """Large batches written while a timer interrupts the child every half
    millisecond (a write to a pipe can then write part of it)."""

    def texts(first: int, step: int) -> Generator[str, None, None]:
        if os.getpid() != PARENT:
            signal.signal(signal.SIGALRM, lambda *_: None)
            signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
        for k in range(first, 12, step):
            yield _batch(k) * 20_000  # about 1 MB

    out = _Bytes()
    listing_apart.write_batches(out, texts, 12, apart=True)
    assert out.text() == "".join(_batch(k) * 20_000 for k in range(12))


def test_an_error_of_a_batch_is_raised_here_after_the_batches_before() -> None:
    def texts(first: int, step: int) -> Generator[str, None, None]:
        for k in range(first, 20, step):
            if k == 7:
                raise ValueError("batch 7 cannot be built")
            yield _batch(k)

    out = io.StringIO()
    with pytest.raises(ValueError, match="batch 7"):
        listing_apart.write_batches(out, texts, 20, apart=True)
    assert out.getvalue() == "".join(_batch(k) for k in range(7))


class _Closed(io.StringIO):
    """An output whose reader goes away after `keep` writes (`| head`)."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep

    def write(self, text: str) -> int:
        if self.keep == 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.keep -= 1
        return super().write(text)


@pytest.mark.parametrize("keep", [0, 1, 4])
def test_an_output_that_closes_stops_the_child(keep: int) -> None:
    with pytest.raises(BrokenPipeError):
        listing_apart.write_batches(_Closed(keep), _texts(400), 400, apart=True)


def test_short_listings_and_other_systems_stay_in_one_process() -> None:
    assert not listing_apart.can_split(listing_apart.APART_FROM - 1)
    assert listing_apart.can_split(listing_apart.APART_FROM) == (sys.platform == "linux")


def test_the_cli_listing_through_its_real_stdout(
    engine: Any, settings: Settings, db_path: Path
) -> None:
    """`fieldsales rank --json|--csv --top 0` on a listing long enough to be
    built by two processes: its stdout, byte for byte, is what one process
    writes; a reader that stops early (`| head`) leaves no process behind."""
    from fieldsales.services.rank import resolve_origin
    from fieldsales.store import lite
    from tests.speed.test_listing_output import OFFICE, TODAY, _generate

    point = f"{OFFICE[0]},{OFFICE[1]}"

    n = listing_apart.APART_FROM * rank_listing.BATCH + 123
    _generate(engine, n)
    engine.dispose()
    source = lite.open_file(db_path)
    assert source is not None
    try:
        label, lat, lon = resolve_origin(point, source, settings)
        items = rank_accounts(source, settings, origin=(lat, lon), today=TODAY)
        assert listing_apart.can_split(-(-len(items) // rank_listing.BATCH))
        one = io.StringIO()
        listing_output.write_json(one, items, label, lat, lon, len(items), settings, apart=False)
        one_csv = io.StringIO()
        listing_output.write_csv(one_csv, items, settings, apart=False)
    finally:
        source.close()
    base = [sys.executable, "-m", "fieldsales", "--db", str(db_path), "rank"]
    args = ["--top", "0", "--date", TODAY.isoformat(), "--from", point]
    for fmt, expected in (("--json", one.getvalue()), ("--csv", one_csv.getvalue())):
        res = subprocess.run([*base, fmt, *args], capture_output=True, timeout=120)
        assert res.returncode == 0, res.stderr.decode()
        assert res.stdout.decode("utf-8") == expected
    # a reader that takes the first lines and goes (`rank --json --top 0 | head`)
    proc = subprocess.Popen(
        [*base, "--json", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert proc.stdout.read(4096)
    proc.stdout.close()
    assert proc.wait(timeout=60) in (0, 1, -signal.SIGPIPE)
    # its child (a fork: the same command line) is gone too
    left = subprocess.run(["pgrep", "-f", str(db_path)], capture_output=True, text=True)
    assert left.stdout.split() == []
