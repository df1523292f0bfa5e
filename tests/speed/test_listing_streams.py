"""The full listing (`rank --top 0 --json` / `--csv`) streams: accounts are
written a batch at a time, and what it writes equals the ranked accounts."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from fieldsales.commands import listing_output
from fieldsales.config import Settings
from fieldsales.services import rank_listing
from fieldsales.services.rank import rank_accounts
from fieldsales.store import listing as listing_store

OFFICE = (35.681236, 139.767125)
TODAY = date(2026, 11, 22)


class _Recorder(io.StringIO):
    """An output that notes, at each write, how many accounts were read so far."""

    def __init__(self, fetched: list[int]) -> None:
        super().__init__()
        self.fetched = fetched
        self.seen: list[tuple[int, int]] = []  # (accounts read, characters written)

    def write(self, text: str) -> int:
        written = super().write(text)
        self.seen.append((sum(self.fetched), len(self.getvalue())))
        return written


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every chunk of accounts whose fields the listing reads from
    the database, counted as the reading cursor hands it over."""
    fetched: list[int] = []
    real = listing_store.listed_rows

    def counting(*args: Any, **kw: Any) -> Iterator[list[tuple[Any, ...]]]:
        for rows in real(*args, **kw):
            fetched.append(len(rows))
            yield rows

    monkeypatch.setattr(listing_store, "listed_rows", counting)
    return fetched


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_listing_is_written_batch_by_batch(
    seeded: Callable[..., list[str]], engine: Any, settings: Settings, counted: list[int], kind: str
) -> None:
    n = 3 * rank_listing.BATCH + 17
    seeded(n)
    items = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    assert len(items) == n
    out = _Recorder(counted)
    if kind == "json":
        listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
    else:
        listing_output.write_csv(out, items, settings)
    assert max(counted) <= rank_listing.BATCH  # never more than a batch read at once
    assert sum(counted) == n
    # the first batch's accounts were written before the second batch was read
    early = max(chars for read, chars in out.seen if read <= rank_listing.BATCH)
    assert items.ids[rank_listing.BATCH - 1] in out.getvalue()[:early]
    assert len(items.base._rows) == 0  # nothing kept once written
    text = out.getvalue()
    if kind == "json":
        doc = json.loads(text)
        assert doc["matching"] == n and len(doc["accounts"]) == n
    else:
        assert len(list(csv.reader(io.StringIO(text)))) == n + 1


def test_listing_equals_the_ranked_accounts(
    seeded: Callable[..., list[str]], engine: Any, settings: Settings
) -> None:
    seeded(60)
    items = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    out = io.StringIO()
    listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
    listed = json.loads(out.getvalue())["accounts"]
    fresh = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    assert [a["id"] for a in listed] == fresh.ids
    for row, a in zip(listed, fresh, strict=True):  # one object per account: the reference
        assert row["company"] == a.company and row["external_id"] == a.external_id
        assert row["rank"] == a.score.rank and row["total"] == a.score.total
        assert row["breakdown"] == {
            c.name: {"score": c.score, "weight": c.weight, "points": c.points, "raw": c.raw}
            for c in a.score.criteria
        }
        assert row["stage"] == a.stage and row["main_reason"] == a.main_reason
        assert a.distance_km is not None and a.months_dormant is not None
        assert row["distance_km"] == round(a.distance_km, 2)
        assert row["months_dormant"] == round(a.months_dormant, 1)
        assert a.last_order_date is not None
        assert row["last_order_date"] == a.last_order_date.isoformat()
        assert row["geo_precision"] == a.geo_precision


def test_empty_listing(engine: Any, settings: Settings) -> None:
    items = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    out = io.StringIO()
    listing_output.write_json(out, items, "Office", *OFFICE, 0, settings)
    assert json.loads(out.getvalue())["accounts"] == []
    out = io.StringIO()
    listing_output.write_csv(out, items, settings)
    assert out.getvalue().startswith("position,id,external_id,company")


def test_rank_csv_from_the_cli(
    cli: Any, seeded: Callable[..., list[str]], engine: Any, db_path: Any
) -> None:
    seeded(30)
    res = cli("--db", str(db_path), "rank", "--csv", "--top", "0", "--date", "2026-11-22")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 30
    assert [int(r["position"]) for r in rows] == list(range(1, 31))
    totals = [float(r["total"]) for r in rows]
    assert totals == sorted(totals, reverse=True)
    assert rows[0]["external_id"].startswith("R") and rows[0]["rank"] in "ABCD"
    top = cli("--db", str(db_path), "rank", "--csv", "--top", "5", "--date", "2026-11-22")
    assert len(list(csv.DictReader(io.StringIO(top.stdout)))) == 5
    both = cli("--db", str(db_path), "rank", "--csv", "--json")
    assert both.returncode == 2  # one format at a time


class _Sink(io.StringIO):
    """An output that keeps nothing: it counts what is written."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _peak_while_listing(engine: Any, settings: Settings, kind: str) -> tuple[int, int]:
    """(peak bytes Python allocated while writing the listing, characters written)."""
    items = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    sink = _Sink()
    tracemalloc.start()
    try:
        if kind == "json":
            listing_output.write_json(sink, items, "Office", *OFFICE, len(items), settings)
        else:
            listing_output.write_csv(sink, items, settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, sink.chars


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_listing_memory_does_not_grow_with_the_listing(
    engine: Any, settings: Settings, tmp_path: Any, migrated_template: Any, kind: str
) -> None:
    """Listing 4x the accounts takes about the same memory, far below what it
    writes (tracemalloc: what Python allocates while the listing is written)."""
    from tests.conftest import open_engine
    from tests.speed.test_listing_output import _generate

    small = 4 * rank_listing.BATCH
    _generate(engine, small)
    peak_small, _ = _peak_while_listing(engine, settings, kind)
    shutil.copyfile(migrated_template, tmp_path / "big.db")
    big = open_engine(tmp_path / "big.db")
    try:
        _generate(big, 4 * small)
        peak_big, written = _peak_while_listing(big, settings, kind)
    finally:
        big.dispose()
    assert written > 4 * small * 50  # the whole listing went out
    assert peak_big < 1.5 * peak_small
    if kind == "json":
        # all the text held at once would take at least `written` bytes, and its
        # lines a list: less than that is the text of a batch at a time, plus what
        # the ranking keeps of every account (early warning: its id index, stages)
        assert peak_big < written * 0.8


def test_listing_with_orders_kept_packed_is_written_batch_by_batch(
    seeded: Callable[..., list[str]],
    engine: Any,
    settings: Settings,
    counted: list[int],
    db_path: Any,
) -> None:
    """With an order history read from the blocks kept in the file (migration
    0014): the early-warning fields come from the whole base at once, the
    accounts' own fields still a batch at a time."""
    from datetime import UTC, datetime, timedelta

    from fieldsales.services.early_warning import SUBSET_AT_MOST
    from fieldsales.store import lite, order_blocks
    from fieldsales.store.schema import ORDER

    n = SUBSET_AT_MOST + 2 * rank_listing.BATCH + 17  # the whole base's warnings
    ids = seeded(n)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "account_id": a,
            "order_date": TODAY - timedelta(days=30 * k + i % 29),
            "amount": 10_000 * (k + 1) + i,
            "order_key": f"k{k}",
            "source": "test",
            "created_at": now,
        }
        for i, a in enumerate(ids)
        for k in range(1 + i % 6)
    ]
    with engine.begin() as conn:
        conn.execute(ORDER.insert(), rows)
    source = lite.open_file(db_path)
    assert source is not None
    try:
        items = rank_accounts(source, settings, origin=OFFICE, today=TODAY)
        out = _Recorder(counted)
        listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
        assert order_blocks.read(source) is not None  # the kept blocks were there to read
    finally:
        source.close()
    assert max(counted) <= rank_listing.BATCH
    assert sum(counted) == n
    early = max(chars for read, chars in out.seen if read <= rank_listing.BATCH)
    assert items.ids[rank_listing.BATCH - 1] in out.getvalue()[:early]
    doc = json.loads(out.getvalue())
    assert len(doc["accounts"]) == n
    assert sum(a["p_alive"] is not None for a in doc["accounts"]) > n // 2
