"""The team lead's Review screen on the hand-built KPI dataset (tests/conftest.py:
kpi_dataset) in a real SQLite file: the figures shown, a filter changing them, a
figure's outcomes and their account, the route history and one route's stops."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.engine import Engine
from textual.widgets import DataTable

from fieldsales.config import Settings
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import session_scope
from fieldsales.store.models import Route, RouteStop
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.drill import DrillScreen
from fieldsales.tui.screens.review import ReviewScreen
from fieldsales.tui.screens.routes import RoutesScreen, RouteStopsScreen
from fieldsales.tui.widgets.kpi_view import TOTAL_KEY

from .test_flows import static_text

TODAY = date(2026, 11, 30)  # the KPI dataset's today


def _route(engine: Engine, settings: Settings, account_id: str) -> str:
    """A visit route on 2026-11-24 with one stop, visited, where the account ordered."""
    day = date(2026, 11, 24)
    route = Route(rep="Sato", day=day, status="done", start_label="office", start_lat=35.68,
                  start_lon=139.76, end_label="office", end_lat=35.68, end_lon=139.76,
                  planned_km=20.0, planned_revenue=200_000, planned_cost=41_000,
                  planned_roi_pct=46.0)  # fmt: skip
    with session_scope(engine) as s:
        s.add(route)
        s.flush()
        stop = RouteStop(route_id=route.id, account_id=account_id, seq=1, status="done",
                         planned_arrival=datetime.combine(day, time(1), UTC),
                         planned_departure=datetime.combine(day, time(2), UTC))  # fmt: skip
        s.add(stop)
        s.flush()
        stop_id, route_id = stop.id, route.id
    data = OutcomeInput(account_id=account_id, occurred_at=datetime(2026, 11, 24, 3, tzinfo=UTC),
                        rep="Sato", channel="visit", result="order", visit_stage="met",
                        order_amount=80_000, cost=1_500, route_stop_id=stop_id)  # fmt: skip
    log_outcome(engine, settings, data, today=TODAY)
    return route_id


def _cells(screen: ReviewScreen, key: str) -> dict[str, str]:
    table = screen.query_one("#kpi-table", DataTable)
    names = [str(c.value) for c in table.columns]
    return {n: str(v) for n, v in zip(names, table.get_row(key), strict=True)}


async def test_review_figures_filters_drill_down_and_routes(
    engine: Engine, app_settings: Settings, kpi_dataset: dict[str, str], settle
) -> None:
    c2 = kpi_dataset["c2"]
    _route(engine, app_settings, c2)
    app = make_app(app_settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        # November: 4 accounts contacted of 5; orders 1,000,000 (a), 500,000 and 80,000 (c2)
        total = _cells(screen, TOTAL_KEY)
        assert (total["contacted"], total["contact_rate"], total["reactivation_rate"]) == (
            "4", "80.0%", "25.0%"
        )  # fmt: skip
        assert (total["revenue"], total["average_order"]) == ("1,580,000", "526,667")
        assert _cells(screen, "C")["contacted"] == "1"  # c: no answer twice
        assert "Funnel" in static_text(screen, "#funnel")
        # rep filter: Kato logged one no-answer for c
        await pilot.press("e")
        await settle(pilot)
        assert "Kato" in static_text(screen, "#rv-filters")
        assert _cells(screen, TOTAL_KEY)["contacted"] == "1"
        assert _cells(screen, TOTAL_KEY)["revenue"] == "0"
        await pilot.press("x")  # clear the filters
        await settle(pilot)
        assert _cells(screen, TOTAL_KEY)["contacted"] == "4"
        # per channel; phone: a's order and c's two no-answers (d's appointment was undone)
        await pilot.press("g")
        await settle(pilot)
        table = screen.query_one("#kpi-table", DataTable)
        assert [str(k.value) for k in table.rows] == ["dm", "email", "phone", "visit", TOTAL_KEY]
        assert _cells(screen, "phone")["contacted"] == "2"
        table.move_cursor(row=2, column=1)  # phone, contacted
        await pilot.press("enter")
        await settle(pilot)
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert "3 outcomes of 2 accounts" in static_text(drill, "#dr-summary")
        rows = drill.drill.rows if drill.drill else []
        assert [r.result for r in rows] == ["order", "no_answer", "no_answer"]
        await pilot.press("enter")  # the newest: a's order
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.account_id == kpi_dataset["a"]
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen
        # the route history, one route, its stop, the account
        await pilot.press("h")
        await settle(pilot)
        routes = app.screen
        assert isinstance(routes, RoutesScreen)
        row = [str(v) for v in routes.query_one("#routes-table").get_row_at(0)]
        assert routes.rows is not None
        actual = routes.rows[0].actual_roi_pct
        assert actual is not None
        assert row == ["2026-11-24", "Sato", "1/1", "20.0", "46%", f"{actual:,.0f}%", "80,000", "0"]
        await pilot.press("enter")
        await settle(pilot)
        stops = app.screen
        assert isinstance(stops, RouteStopsScreen)
        assert "Visited 1/1" in static_text(stops, "#rs-figures")
        stop_row = [str(v) for v in stops.query_one("#stops-table").get_row_at(0)]
        assert stop_row[1:] == ["C社2", "done", "2026-11-24", "Visit", "order", "80,000", "1,500"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.account_id == c2


async def test_review_in_japanese_and_language_switch(
    engine: Engine, app_settings: Settings, kpi_dataset: dict[str, str], settle
) -> None:
    settings = app_settings.model_copy(update={"language": "ja"})
    app = make_app(settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert "キャンペーン振り返り" in static_text(screen, "#rv-title")
        assert str(screen.query_one("#kpi-table", DataTable).get_row(TOTAL_KEY)[0]) == "合計"
        assert "ファネル" in static_text(screen, "#funnel")
        await pilot.press("f2")
        await settle(pilot)
        assert "Campaign review" in static_text(screen, "#rv-title")
        assert str(screen.query_one("#kpi-table", DataTable).get_row(TOTAL_KEY)[0]) == "Total"


async def test_review_of_a_database_without_outcomes_shows_a_hint(
    engine: Engine, app_settings: Settings, add_account, settle
) -> None:
    add_account(company="未接触商事")
    app = make_app(app_settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "No outcomes logged yet" in static_text(screen, "#rv-empty")
        assert not screen.query_one("#rv-tabs").display


async def test_review_filters_narrow_the_table_and_targets_show(
    engine: Engine, app_settings: Settings, kpi_dataset: dict[str, str], settle
) -> None:
    from fieldsales.config import Campaign, Target

    campaign = Campaign(name="11月の掘り起こし", start=date(2026, 11, 1), end=date(2026, 11, 30),
                        targets={"A": Target(reactivations=2, revenue=3_000_000)})  # fmt: skip
    settings = app_settings.model_copy(update={"campaign": campaign})
    app = make_app(settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert _cells(screen, TOTAL_KEY)["contacted"] == "4"
        await pilot.press("c")  # channel: the first one, visits
        await settle(pilot)
        assert "channel: [b cyan]Visit" in static_text(screen, "#rv-filters")
        assert _cells(screen, TOTAL_KEY)["contacted"] == "2"  # a and c2 were visited
        assert _cells(screen, "A")["revenue"] == "0"  # a ordered by phone, not at a visit
        await pilot.press("x", "4")
        await settle(pilot)
        targets = static_text(screen, "#targets")
        # a (rank A) came back with a 1,000,000 order; the whole month is gone
        assert "11月の掘り起こし" in targets and "100% of the days gone" in targets
        row = next(line for line in targets.splitlines() if line.strip().startswith("A "))
        assert row.split()[:4] == ["A", "1", "2.0", "2"]
        assert "1,000,000" in row and "3,000,000" in row


async def test_review_without_a_campaign_says_how_to_set_one(
    engine: Engine, app_settings: Settings, kpi_dataset: dict[str, str], settle
) -> None:
    app = make_app(app_settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "No campaign targets set" in static_text(app.screen, "#targets")
