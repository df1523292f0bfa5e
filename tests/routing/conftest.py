"""Routing fixtures: a real SQLite file seeded with dormant accounts around Tokyo."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fieldsales.domain.text import fold
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account

OFFICE = (35.681236, 139.767125)


def seed_accounts(engine: Engine, n: int, *, seed: int = 7, spread: float = 0.12) -> list[str]:
    """n dormant accounts within ~15 km of the office; returns their ids."""
    rng = random.Random(seed)
    ids = []
    with session_scope(engine) as s:
        for i in range(n):
            acc = Account(
                external_id=f"R{i:04d}",
                match_key=fold(f"route{i}"),
                company=f"ルート商事{i}",
                address=f"東京都千代田区{i}-1",
                prefecture="東京都",
                city="千代田区",
                lat=OFFICE[0] + rng.uniform(-spread, spread),
                lon=OFFICE[1] + rng.uniform(-spread, spread),
                geo_precision="street",
                contact_name=f"担当{i}",
                phone=f"03-0000-{i:04d}",
                lifetime_revenue=rng.choice([500_000, 3_000_000, 8_000_000, 12_000_000]),
                average_order=rng.choice([None, 400_000, 1_500_000]),
                last_order_date=date(2024, rng.randint(1, 12), 15),
                purchase_cycle_days=60,
                main_reason=rng.choice(["price", "forgotten", "product", "customer_change"]),
                reason_solvable=rng.choice(["partly", "mostly", "solved"]),
                competitor_status=rng.choice(["partial", "none", "trial"]),
                digital_responsiveness=rng.choice(["low", "medium", "high"]),
            )
            s.add(acc)
            ids.append(acc.id)
    return ids


@pytest.fixture
def seeded(engine: Engine) -> Callable[..., list[str]]:
    def make(n: int = 40, **kw: Any) -> list[str]:
        return seed_accounts(engine, n, **kw)

    return make
