"""Shared fixtures: an isolated home, default settings, a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings, default_settings
from fieldsales.domain.text import fold
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user config/data dirs; the real home is never touched."""
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDSALES_HOME", str(home))
    monkeypatch.delenv("FIELDSALES_CONFIG", raising=False)
    return home


@pytest.fixture
def settings() -> Settings:
    return default_settings()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fieldsales.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    eng = open_engine(db_path)
    yield eng
    eng.dispose()


AccountFactory = Callable[..., Account]


@pytest.fixture
def add_account(engine: Engine) -> AccountFactory:
    """Insert an account with plausible defaults; keyword arguments override fields."""
    counter = iter(range(1, 1_000_000))

    def make(**fields: Any) -> Account:
        n = next(counter)
        values: dict[str, Any] = {
            "external_id": f"T{n:05d}",
            "company": f"テスト商事{n}",
            "address": f"東京都千代田区丸の内{n}-1",
            "prefecture": "東京都",
            "city": "千代田区",
            "lat": 35.68,
            "lon": 139.76,
            "geo_precision": "street",
            "lifetime_revenue": 3_000_000,
            "last_order_date": date(2025, 1, 15),
            "purchase_cycle_days": 60,
            "main_reason": "price",
            "reason_solvable": "partly",
            "competitor_status": "partial",
            "digital_responsiveness": "medium",
        }
        values.update(fields)
        values.setdefault("match_key", fold(f"{values['company']}|{values.get('address') or ''}"))
        acc = Account(**values)
        with session_scope(engine) as s:
            s.add(acc)
        return acc

    return make
