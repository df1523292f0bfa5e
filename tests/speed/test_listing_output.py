"""The full listing (`rank --json|--csv --top 0`) written column-wise equals a
reference built account by account, the way the listing was written before
(one dict per account through json.dumps, one tuple per account through
csv.writer), byte for byte; on a generated base of a few thousand accounts
with odd text, missing values, accounts without a position, outcomes and
order histories."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fieldsales.commands import listing_output
from fieldsales.config import Settings
from fieldsales.domain import criteria
from fieldsales.domain.roi import expected_value
from fieldsales.domain.text import fold
from fieldsales.services.early_warning import account_fields
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.services.rates import learned_for
from fieldsales.store.models import Account, Outcome, new_id
from tests.conftest import CliRunner

OFFICE = (35.681236, 139.767125)
TODAY = date(2026, 11, 22)
N = 2_100
# text json and csv must escape or quote, and text they must leave alone
ODD = [
    '引用"符',
    "バック\\スラッシュ",
    "改行\nあり",
    "タブ\tと\x01制御",
    "百%",
    "a,b",
    "😀",
    "\x7f\u2028",
    "復帰\rと\x00ヌル",
    "  前後に空白 ",
]


def _generate(engine: Engine, n: int, seed: int = 11) -> list[str]:
    """n accounts, clustered around the office, some with odd or missing values;
    a fifth with an outcome. Returns the external ids."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        odd = rng.random() < 0.05
        located = rng.random() > 0.06
        company = f"生成商事{i}" + (rng.choice(ODD) if odd else "")
        rows.append(
            {
                "id": new_id(),
                "external_id": None if rng.random() < 0.05 else f"G{i:06d}",
                "match_key": fold(f"{company}|{i}"),
                "company": company,
                "site": rng.choice([None, None, "本社", rng.choice(ODD)]),
                "prefecture": "東京都",
                "city": rng.choice([None, "千代田区", "港区", rng.choice(ODD)]),
                "lat": OFFICE[0] + rng.gauss(0, 0.1) if located else None,
                "lon": OFFICE[1] + rng.gauss(0, 0.1) if located else None,
                "geo_precision": rng.choice(["street", "town", "city"]) if located else "none",
                "lifetime_revenue": int(rng.lognormvariate(14, 1.3)),
                "average_order": rng.choice([None, 0, rng.randint(10_000, 3_000_000)]),
                "gross_margin": rng.choice([None, round(rng.uniform(0.1, 0.6), 3)]),
                "last_order_date": (
                    None if rng.random() < 0.03 else TODAY - timedelta(days=rng.randint(20, 1800))
                ),
                "purchase_cycle_days": rng.choice([None, 30, 60, 90, 365]),
                "main_reason": rng.choice(["product", "price", "competitor", "unknown"]),
                "reason_solvable": rng.choice(["hard", "partly", "solved", "unknown"]),
                "competitor_status": rng.choice(["partial", "none", "unknown"]),
                "digital_responsiveness": rng.choice(["low", "high", "unknown"]),
                "do_not_contact": rng.random() < 0.02,
                "created_at": now,
                "updated_at": now,
            }
        )
    events = [
        {
            "id": new_id(),
            "account_id": r["id"],
            "rep": "test",
            "channel": "phone",
            "occurred_at": now - timedelta(days=rng.randint(0, 200)),
            "visit_stage": "none",
            "result": rng.choice(["no_answer", "contacted", "next_action", "refused"]),
            "next_action_due": TODAY + timedelta(days=rng.randint(-10, 30)),
            "created_at": now,
        }
        for r in rng.sample(rows, n // 5)
    ]
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), rows)  # type: ignore[attr-defined]
        conn.execute(Outcome.__table__.insert(), events)  # type: ignore[attr-defined]
    return [r["external_id"] for r in rows if r["external_id"]]


def _order_file(tmp_path: Path, codes: list[str], seed: int = 5) -> Path:
    """Monthly-ish order histories for a third of the accounts."""
    rng = random.Random(seed)
    lines = ["顧客コード,受注日,金額"]
    for code in rng.sample(codes, len(codes) // 3):
        gap, ago = rng.randint(20, 90), rng.randint(5, 400)
        for _ in range(rng.randint(1, 12)):
            day = TODAY - timedelta(days=ago)
            lines.append(f"{code},{day.isoformat()},{rng.randint(5_000, 900_000)}")
            ago += max(1, int(rng.gauss(gap, gap / 4)))
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reference_rows(items: Any, settings: Settings) -> list[dict[str, Any]]:
    """Each account of the view as the listing's JSON object, one RankedAccount
    at a time (the scalar references of the expected values and early warning)."""
    learned = learned_for(items.base, settings) if len(items) else None
    out = []
    for position, a in zip(items.indices, items, strict=True):
        extra = account_fields(items, int(position))
        future = extra["expected_future_value"]
        deal = a.average_order
        if settings.clv.deal_from_expected_value and future is not None and future > 0:
            deal = future
        value = {
            ch: round(expected_value(a.rank, deal, a.gross_margin, settings, ch, learned))
            for ch in ("visit", "phone")
        }
        out.append(
            {
                "id": a.id,
                "external_id": a.external_id,
                "company": a.company,
                "site": a.site,
                "city": a.city,
                "rank": a.score.rank,
                "total": a.score.total,
                "no_location": a.distance_km is None,
                "breakdown": {
                    c.name: {"score": c.score, "weight": c.weight, "points": c.points, "raw": c.raw}
                    for c in a.score.criteria
                },
                "stage": a.stage,
                "main_reason": a.main_reason,
                "expected_value": value,
                "distance_km": None if a.distance_km is None else round(a.distance_km, 2),
                "geo_precision": a.geo_precision,
                "months_dormant": None if a.months_dormant is None else round(a.months_dormant, 1),
                "last_order_date": a.last_order_date and a.last_order_date.isoformat(),
                "next_followup": a.next_followup and a.next_followup.isoformat(),
                **extra,
            }
        )
    return out


def _reference_json(items: Any, settings: Settings, total: int) -> str:
    origin = json.dumps({"label": "Office", "lat": OFFICE[0], "lon": OFFICE[1]})
    rows = [json.dumps(r, ensure_ascii=False) for r in _reference_rows(items, settings)]
    head = f'{{\n  "origin": {origin},\n  "matching": {total},\n  "accounts": ['
    if not rows:
        return head + "]\n}\n"
    return head + "\n    " + ",\n    ".join(rows) + "\n  ]\n}\n"


def _reference_csv(items: Any, settings: Settings) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = _reference_rows(items, settings)
    names = list(rows[0]["breakdown"]) if rows else criteria.ids()
    writer.writerow((*listing_output.CSV_COLUMNS, *names, *listing_output.CSV_TAIL))
    for k, r in enumerate(rows, 1):
        scores = [r["breakdown"][name]["score"] for name in names]
        writer.writerow(
            (
                k, r["id"], r["external_id"], r["company"], r["site"], r["city"], r["rank"],
                f"{r['total']:g}", *scores, r["stage"], r["main_reason"],
                r["expected_value"]["visit"], r["expected_value"]["phone"], r["distance_km"],
                r["geo_precision"], r["months_dormant"], r["last_order_date"], r["next_followup"],
            )
        )  # fmt: skip
    return out.getvalue()


VIEWS = {
    "all": RankFilter(),
    "ranks A and B within 15 km": RankFilter(ranks=["A", "B"], within_km=15),
    "two reasons": RankFilter(reasons=["price", "competitor"]),
    "nothing": RankFilter(search="no such company anywhere"),
}


@pytest.fixture
def generated(engine: Engine, cli: CliRunner, db_path: Path, tmp_path: Path) -> Engine:
    codes = _generate(engine, N)
    res = cli("--db", str(db_path), "import-orders", str(_order_file(tmp_path, codes)))
    assert res.returncode == 0, res.stderr
    return engine


def test_listing_equals_the_row_by_row_reference(generated: Engine, settings: Settings) -> None:
    for view, filters in VIEWS.items():
        items = rank_accounts(generated, settings, origin=OFFICE, filters=filters, today=TODAY)
        out = io.StringIO()
        listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
        text = out.getvalue()
        fresh = rank_accounts(generated, settings, origin=OFFICE, filters=filters, today=TODAY)
        assert text == _reference_json(fresh, settings, len(fresh)), view
        if view == "all":  # what the reference must cover to mean something
            rows = json.loads(text)["accounts"]
            assert len(rows) > 2000  # a listing of several batches
            assert any(r["p_alive"] is not None for r in rows)
            assert any(r["signals"] for r in rows)
            assert any(r["no_location"] for r in rows)
            assert any(r["external_id"] is None for r in rows)
            assert any('"' in r["company"] or "\n" in r["company"] for r in rows)
        out = io.StringIO()
        listing_output.write_csv(out, items, settings)
        assert out.getvalue() == _reference_csv(fresh, settings), view


def test_expected_future_value_as_the_deal(generated: Engine, settings: Settings) -> None:
    """With clv.deal_from_expected_value the JSON's expected values use it."""
    settings = settings.model_copy(
        update={"clv": settings.clv.model_copy(update={"deal_from_expected_value": True})}
    )
    items = rank_accounts(generated, settings, origin=OFFICE, today=TODAY)
    out = io.StringIO()
    listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
    fresh = rank_accounts(generated, settings, origin=OFFICE, today=TODAY)
    assert out.getvalue() == _reference_json(fresh, settings, len(fresh))


class _FileOut:
    """A text output over a real file (its bytes reachable as stdout's are),
    read back whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.out = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def text(self) -> str:
        self.out.close()
        with open(self.path, encoding="utf-8", newline="") as f:  # \r kept as written
            return f.read()


@pytest.mark.parametrize(
    "split",
    [
        pytest.param({}, id="as-decided"),
        # batches of 97 accounts, every other one built by a forked child process,
        # written to a StringIO (the child's text decoded) and to a file (its bytes)
        pytest.param({"size": 97, "apart": True}, id="two-processes"),
    ],
)
def test_listing_read_with_sqlite3_equals_the_reference(
    generated: Engine, settings: Settings, db_path: Path, tmp_path: Path, split: dict[str, Any]
) -> None:
    """What `fieldsales rank --top 0` does on an up-to-date SQLite file: the
    ranking, the listed fields and the whole order history (early warning)
    read with sqlite3; the same text as the reference through SQLAlchemy,
    also when a child process builds every other batch."""
    from fieldsales.store import lite

    source = lite.open_file(db_path)
    assert source is not None
    try:
        for view, filters in VIEWS.items():
            items = rank_accounts(source, settings, origin=OFFICE, filters=filters, today=TODAY)
            fresh = rank_accounts(generated, settings, origin=OFFICE, filters=filters, today=TODAY)
            expected_json = _reference_json(fresh, settings, len(fresh))
            expected_csv = _reference_csv(fresh, settings)
            out = io.StringIO()
            listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings, **split)
            assert out.getvalue() == expected_json, view
            out = io.StringIO()
            listing_output.write_csv(out, items, settings, **split)
            assert out.getvalue() == expected_csv, view
            if split:
                file_out = _FileOut(tmp_path / "listing.json")
                listing_output.write_json(
                    file_out.out, items, "Office", *OFFICE, len(items), settings, **split
                )
                assert file_out.text() == expected_json, view
                file_out = _FileOut(tmp_path / "listing.csv")
                listing_output.write_csv(file_out.out, items, settings, **split)
                assert file_out.text() == expected_csv, view
    finally:
        source.close()


def sensitive_churn(settings: Settings) -> Any:
    """Churn settings under which many more signs fire than by default: what a
    listing computed with other settings must show."""
    return settings.churn.model_copy(
        update={
            "recent_gaps": 2,
            "min_earlier_gaps": 1,
            "recent_orders": 1,
            "min_earlier_orders": 1,
            "amount_window_months": 3,
            "amount_drop_ratio": 0.9,
        }
    )


def _sqlite_listing(db_path: Path, settings: Settings, today: date) -> str:
    """`rank --json --top 0` read with sqlite3: the order history from the
    blocks kept in the file (migration 0014)."""
    from fieldsales.store import lite, order_blocks

    source = lite.open_file(db_path)
    assert source is not None
    try:
        items = rank_accounts(source, settings, origin=OFFICE, today=today)
        out = io.StringIO()
        listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
        assert order_blocks.read(source) is not None  # the blocks were read
        return out.getvalue()
    finally:
        source.close()


def test_listing_from_the_kept_orders_after_writes_days_and_config(
    generated: Engine, settings: Settings, db_path: Path
) -> None:
    """The listing read from the kept order blocks equals the reference through
    SQLAlchemy (which reads the order table): after a hand-written change of
    orders, an order logged as an outcome, on later days (the signs' windows
    move with the day) and with other churn settings."""
    import sqlite3

    from tests.conftest import _log

    def reference(s: Settings, today: date) -> str:
        fresh = rank_accounts(generated, s, origin=OFFICE, today=today)
        return _reference_json(fresh, s, len(fresh))

    assert _sqlite_listing(db_path, settings, TODAY) == reference(settings, TODAY)
    conn = sqlite3.connect(db_path)
    try:
        first, second = (r[0] for r in conn.execute("SELECT id FROM account_order LIMIT 2"))
        conn.execute("UPDATE account_order SET amount = amount * 7 WHERE id = ?", [first])
        conn.execute("UPDATE account_order SET order_date = '2026-11-20' WHERE id = ?", [second])
        conn.execute(
            "DELETE FROM account_order WHERE account_id = "
            "(SELECT account_id FROM account_order ORDER BY id DESC LIMIT 1)"
        )
        (owner,) = conn.execute("SELECT account_id FROM account_order LIMIT 1").fetchone()
        conn.commit()
    finally:
        conn.close()
    _log(generated, settings, owner, TODAY - timedelta(days=3), result="order", order_amount=77)
    for later in (0, 1, 200, 400):
        day = TODAY + timedelta(days=later)
        assert _sqlite_listing(db_path, settings, day) == reference(settings, day), later
    churn = sensitive_churn(settings)
    other = settings.model_copy(update={"churn": churn})
    text = _sqlite_listing(db_path, other, TODAY)
    assert text == reference(other, TODAY)
    assert text != _sqlite_listing(db_path, settings, TODAY)  # the settings matter
