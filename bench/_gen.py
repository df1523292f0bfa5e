"""Synthetic accounts for benchmarks: fast bulk insert of N plausible rows."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fieldsales.domain.text import fold
from fieldsales.store.db import open_engine
from fieldsales.store.models import Account, Outcome, new_id

REASONS = ["product", "price", "customer_change", "forgotten", "competitor", "unknown"]
SOLV = ["unsolvable", "hard", "partly", "mostly", "solved", "unknown"]
COMP = ["long_contract", "main_supplier", "partial", "trial", "none", "unknown"]
DIGI = ["never", "low", "medium", "high", "very_high", "unknown"]


def make_db(path: Path, n: int, *, seed: int = 7, outcomes_per_100: int = 20) -> None:
    rng = random.Random(seed)
    engine = open_engine(path)
    now = datetime.now(UTC)
    today = date.today()
    rows = []
    for i in range(n):
        company = f"ベンチ工業{i}株式会社"
        address = f"東京都千代田区丸の内{i % 3 + 1}-{i % 50 + 1}"
        located = rng.random() > 0.05
        rows.append(
            {
                "id": new_id(),
                "external_id": f"B{i:07d}",
                "match_key": fold(f"{company}|{address}"),
                "company": company,
                "company_kana": f"ベンチコウギョウ{i}",
                "address": address,
                "prefecture": "東京都",
                "city": "千代田区",
                "lat": 35.4 + rng.random() * 0.6 if located else None,
                "lon": 139.3 + rng.random() * 0.7 if located else None,
                "geo_precision": "street" if located else "none",
                "lifetime_revenue": int(rng.lognormvariate(14, 1.3)),
                "last_order_date": today - timedelta(days=rng.randint(30, 1800)),
                "purchase_cycle_days": rng.choice([30, 60, 90, 180, 365]),
                "main_reason": rng.choice(REASONS),
                "reason_solvable": rng.choice(SOLV),
                "competitor_status": rng.choice(COMP),
                "digital_responsiveness": rng.choice(DIGI),
                "do_not_contact": rng.random() < 0.02,
                "geo_source": "import",
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), rows)  # type: ignore[attr-defined]
        events = []
        for r in rng.sample(rows, n * outcomes_per_100 // 100):
            events.append(
                {
                    "id": new_id(),
                    "account_id": r["id"],
                    "rep": "bench",
                    "channel": "phone",
                    "occurred_at": now - timedelta(days=rng.randint(0, 200)),
                    "visit_stage": "none",
                    "result": rng.choice(["no_answer", "contacted", "next_action", "refused"]),
                    "next_action_due": today + timedelta(days=rng.randint(-10, 30)),
                    "created_at": now,
                }
            )
        if events:
            conn.execute(Outcome.__table__.insert(), events)  # type: ignore[attr-defined]
    engine.dispose()
