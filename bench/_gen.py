"""Synthetic accounts for benchmarks: fast bulk insert of N plausible rows.

Deterministic for a seed. Positions are clustered like a real territory (towns
of different sizes around a metropolitan core, a thin scatter between them);
revenue is log-normal, dormancy spread over five years.
"""

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

# (lat, lon, spread in degrees, weight): Tokyo's core, its suburbs, and towns
CLUSTERS = [
    (35.681, 139.767, 0.04, 30),
    (35.690, 139.700, 0.03, 15),
    (35.861, 139.645, 0.05, 10),
    (35.466, 139.622, 0.05, 12),
    (35.607, 140.106, 0.06, 8),
    (35.660, 139.330, 0.05, 6),
    (36.070, 140.110, 0.08, 4),
    (35.330, 139.400, 0.06, 5),
]


def _position(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.1:  # scattered between the towns
        return 35.3 + rng.random() * 0.9, 139.2 + rng.random() * 1.0
    lat, lon, spread, _ = rng.choices(CLUSTERS, weights=[c[3] for c in CLUSTERS])[0]
    return rng.gauss(lat, spread), rng.gauss(lon, spread)


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
        lat, lon = _position(rng)
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
                "lat": lat if located else None,
                "lon": lon if located else None,
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
