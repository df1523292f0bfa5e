"""The app counts and shows days in config `timezone`: a call at 00:30 in Tokyo on
1 December (15:30 UTC on 30 November) is in December's Review and its drill-down
shows 2026-12-01, on a computer whose own zone is New York."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import DataTable

from fieldsales.config import Settings
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.models import Account
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.drill import DrillScreen
from fieldsales.tui.screens.review import ReviewScreen
from fieldsales.tui.widgets.kpi_view import TOTAL_KEY

TODAY = date(2026, 12, 1)
LATE_UTC = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 2026-12-01 00:30 in Tokyo


pytestmark = pytest.mark.usefixtures("computer_in_new_york")


@pytest.mark.parametrize(("zone", "shown"), [("Asia/Tokyo", "2026-12-01"), ("UTC", None)])
async def test_review_of_this_month_and_the_drill_date(
    engine: Engine,
    app_settings: Settings,
    add_account: Callable[..., Account],
    settle: Any,
    zone: str,
    shown: str | None,
) -> None:
    settings = app_settings.model_copy(update={"timezone": zone})
    account = add_account(company="深夜電話商事")
    log_outcome(
        engine,
        settings,
        OutcomeInput(account_id=account.id, occurred_at=LATE_UTC, rep="Sato", channel="phone"),
        today=TODAY,
    )
    app = make_app(settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")  # this month: December
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.data is not None
        if shown is None:  # in UTC the call was on 30 November: nothing in December
            assert review.data.report.total.contacted == 0
            return
        assert review.data.report.total.contacted == 1
        table = review.query_one("#kpi-table", DataTable)
        table.move_cursor(row=table.get_row_index(TOTAL_KEY), column=1)  # contacted
        await pilot.press("enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        row = drill.query_one(DataTable).get_row_at(0)
        assert str(row[0]) == shown
