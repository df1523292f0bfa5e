"""The Early warning view (`w`): slipping accounts with their signs, P(alive) and
order trend; Enter opens one, `l` logs as from the list."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Static

from fieldsales.store.orders_import import import_orders
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.early_warning import EarlyWarningScreen
from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

from .conftest import TODAY


def _history(engine: Engine, add_account: Any, tmp_path: Path) -> dict[str, str]:
    """Monthly buyers for three years; one spends a third this year; one at risk."""
    ids = {}
    rows = ["顧客コード,受注日,金額"]
    for code, company, pattern in [
        ("S1", "縮小商事", "shrinking"),
        ("K1", "安定工業", "steady"),
        ("R1", "遅延産業", "late"),
    ]:
        ids[code] = add_account(external_id=code, company=company).id
        for k in range(36):
            ago = 10 + 30 * k + (60 if pattern == "late" else 0)
            amount = 30_000 if pattern == "shrinking" and k < 12 else 100_000
            rows.append(f"{code},{(TODAY - timedelta(days=ago)).isoformat()},{amount}")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_orders(engine, path, max_line_bytes=1_000_000, today=TODAY)
    assert report.written and report.added == 108
    return ids


async def test_early_warning_lists_slipping_accounts_and_logs_from_them(
    engine: Engine, add_account: Any, tmp_path: Path, new_app: Any, settle: Any
) -> None:
    ids = _history(engine, add_account, tmp_path)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EarlyWarningScreen)
        listed = {r.account_id: r for r in screen.rows}
        assert ids["K1"] not in listed  # steady: no sign, not at risk
        assert {"amount_drop", "amounts_shrinking"} <= set(listed[ids["S1"]].signs)
        late = listed[ids["R1"]]
        assert late.stage == "at_risk" and "interval_growth" in late.signs
        assert late.channel == "phone"
        title = str(screen.query_one("#ew-title", Static).content)
        assert "2 accounts slipping" in title
        # the highlighted account's facts and its order trend
        first = screen.rows[0]
        facts = str(screen.query_one("#ew-facts", Static).content)
        assert "Signs" in facts and "P(alive)" in facts and "Start with" in facts
        assert len(first.monthly) == 24 and sum(first.monthly) > 0
        # Enter opens the account; `l` logs from the list
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.account_id == first.account_id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogOutcomeScreen)
        await pilot.press("2", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EarlyWarningScreen)
    with engine.connect() as conn:
        logged = conn.execute(sa.text("SELECT account_id, result FROM outcome")).all()
    assert logged == [(first.account_id, "contacted")]


async def test_early_warning_in_japanese(
    engine: Engine, add_account: Any, tmp_path: Path, new_app: Any, settle: Any
) -> None:
    _history(engine, add_account, tmp_path)
    app = new_app(language="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EarlyWarningScreen)
        assert "早期警戒" in str(screen.query_one("#ew-title", Static).content)
        facts = str(screen.query_one("#ew-facts", Static).content)
        assert "兆候" in facts and "最初の手段" in facts
        assert date(2026, 1, 1) < TODAY
