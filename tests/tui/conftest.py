"""A small, fixed book of accounts for the app tests and snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.app import App

from fieldsales.config import Settings, default_settings
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, Outcome
from fieldsales.tui.app import FieldSalesApp, make_app

TODAY = date(2026, 11, 20)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # noon in Tokyo


@pytest.fixture
def app_settings() -> Settings:
    # A fixed rep name: scripts say it, and snapshots must not depend on the OS user.
    return default_settings().model_copy(update={"rep": "Sato"})


@pytest.fixture
def book(engine: Engine, add_account: Callable[..., Account]) -> dict[str, Account]:
    """Accounts covering each case the screens show."""
    accounts = {
        "big": add_account(
            company="丸の内精機",
            company_kana="マルノウチセイキ",
            site="本社",
            contact_name="山本 健",
            phone="03-1111-2222",
            lifetime_revenue=12_000_000,
            last_order_date=date(2026, 3, 1),
            last_product="精密ポンプ",
            main_reason="product",
            reason_solvable="solved",
            competitor_status="none",
            digital_responsiveness="high",
        ),
        "far": add_account(
            company="Osaka Trading",
            city="大阪市北区",
            prefecture="大阪府",
            lat=34.70,
            lon=135.50,
            lifetime_revenue=800_000,
            last_order_date=date(2024, 6, 1),
            main_reason="forgotten",
        ),
        "town": add_account(
            company="カブシキ物産",
            company_kana="カブシキブッサン",
            lat=35.69,
            lon=139.70,
            geo_precision="town",
            main_reason="price",
            last_product="梱包材",
        ),
        "nowhere": add_account(
            company="Nowhere Ltd",
            lat=None,
            lon=None,
            geo_precision="none",
            main_reason="customer_change",
        ),
        "dnc": add_account(company="連絡不可工業", do_not_contact=True, lifetime_revenue=9_000_000),
    }
    with session_scope(engine) as s:
        s.add(
            Outcome(
                account_id=accounts["town"].id,
                rep="Sato",
                channel="phone",
                occurred_at=at(date(2026, 11, 10)),
                result="interested",
                next_action="send the price list",
                next_action_due=date(2026, 11, 17),
            )
        )
        s.add(
            Outcome(
                account_id=accounts["far"].id,
                rep="Sato",
                channel="email",
                occurred_at=at(date(2026, 11, 1)),
                result="contacted",
                next_action="call back",
                next_action_due=TODAY,
            )
        )
    return accounts


@pytest.fixture
def new_app(engine: Engine, app_settings: Settings) -> Callable[..., FieldSalesApp]:
    def make(language: str = "en", **settings_update: Any) -> FieldSalesApp:
        s = app_settings.model_copy(update={"language": language, **settings_update})
        return make_app(s, engine, today=TODAY, db_label="test.db")

    return make


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def settle() -> Callable[[Any], Any]:
    """Wait until every worker finished and its messages were handled."""
    return _settle


@pytest.fixture
def notifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message the app showed with `notify()`, oldest first; here they never expire."""
    shown: list[str] = []
    original = App.notify

    def notify(self: App[Any], message: str, *args: Any, **kwargs: Any) -> None:
        shown.append(str(message))
        original(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", notify)
    return shown
