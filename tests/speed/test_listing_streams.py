"""The full listing (`rank --top 0 --json` / `--csv`) streams: accounts are
written a batch at a time, and what it writes equals the ranked accounts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from fieldsales.commands import rank as rank_cmd
from fieldsales.config import Settings
from fieldsales.services import rank_table
from fieldsales.services.rank import rank_accounts
from fieldsales.store import queries

OFFICE = (35.681236, 139.767125)
TODAY = date(2026, 11, 22)


class _Recorder(io.StringIO):
    """An output that notes, at each write, how many accounts were read so far."""

    def __init__(self, fetched: list[int]) -> None:
        super().__init__()
        self.fetched = fetched
        self.seen: list[tuple[int, int]] = []  # (accounts read, characters written)

    def write(self, text: str) -> int:
        self.seen.append((sum(self.fetched), len(self.getvalue())))
        return super().write(text)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch of accounts whose fields the listing reads."""
    fetched: list[int] = []
    real = queries.account_details

    def counting(session: Any, ids: Any, fields: Any = queries.DETAIL_FIELDS) -> Any:
        ids = list(ids)
        fetched.append(len(ids))
        return real(session, ids, fields)

    monkeypatch.setattr(queries, "account_details", counting)
    return fetched


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_listing_is_written_batch_by_batch(
    seeded: Callable[..., list[str]], engine: Any, settings: Settings, counted: list[int], kind: str
) -> None:
    n = 3 * rank_table._BATCH + 17
    seeded(n)
    items = rank_accounts(engine, settings, origin=OFFICE, today=TODAY)
    assert len(items) == n
    out = _Recorder(counted)
    if kind == "json":
        rank_cmd.write_json(out, items, "Office", *OFFICE, len(items), settings)
    else:
        rank_cmd.write_csv(out, items, settings)
    assert max(counted) <= rank_table._BATCH  # never more than a batch read at once
    assert sum(counted) == n
    # the first accounts were written before the last batch was read
    early = [chars for read, chars in out.seen if read <= rank_table._BATCH]
    assert max(early) > 0
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
    rank_cmd.write_json(out, items, "Office", *OFFICE, len(items), settings)
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
    rank_cmd.write_json(out, items, "Office", *OFFICE, 0, settings)
    assert json.loads(out.getvalue())["accounts"] == []
    out = io.StringIO()
    rank_cmd.write_csv(out, items, settings)
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
