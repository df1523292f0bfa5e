"""The outcomes behind a KPI figure, on the hand-built KPI dataset (tests/conftest.py:
kpi_dataset) in a real SQLite file: hand-worked lists per figure, group and filter,
and for every group of every grouping, the drill-down agrees with the KPI table."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.kpi_drill import Drill, drill_for
from fieldsales.services.kpi_report import kpi_report_for
from fieldsales.services.review import ReviewFilter, period_spec, review_data
from fieldsales.services.route_report import ReportError, period_bounds

TODAY = date(2026, 11, 30)
NOVEMBER = ReviewFilter(period="this_month")


class _Book:
    """The dataset's engine, settings and account ids, for the helpers below."""

    engine: Engine
    settings: Settings
    ids: dict[str, str]


BOOK = _Book()


@pytest.fixture(autouse=True)
def _bind(engine: Engine, settings: Settings, kpi_dataset: dict[str, str]) -> None:
    BOOK.engine, BOOK.settings, BOOK.ids = engine, settings, kpi_dataset


def _drill(metric: str, by: str = "rank", key: str | None = None, **filters) -> Drill:
    f = ReviewFilter(**{"period": "this_month", **filters})
    return drill_for(BOOK.engine, BOOK.settings, metric=metric, by=by, key=key, filters=f,
                     today=TODAY, offset_minutes=0)  # fmt: skip


def _seen(drill: Drill) -> list[tuple[str, str, str]]:
    """(account letter, day, result), newest first."""
    name = {v: k for k, v in BOOK.ids.items()}
    return [(name[r.account_id], r.occurred_at.date().isoformat()[5:], r.result)
            for r in drill.rows]  # fmt: skip


def test_total_row_figures_list_their_outcomes() -> None:
    # contacted: every outcome in effect of November; the corrected order and the
    # undone appointment of d are gone, a's October call is outside the month
    assert _seen(_drill("contacted")) == [
        ("c2", "11-18", "order"), ("d", "11-12", "interested"), ("a", "11-10", "order"),
        ("d", "11-06", "no_answer"), ("c", "11-05", "no_answer"), ("c", "11-04", "no_answer"),
        ("a", "11-03", "appointment"),
    ]  # fmt: skip
    assert _seen(_drill("reach_rate")) == [
        ("c2", "11-18", "order"), ("d", "11-12", "interested"), ("a", "11-10", "order"),
        ("a", "11-03", "appointment"),
    ]  # fmt: skip
    revenue = _drill("revenue")
    assert [(r.order_amount, r.reactivation) for r in revenue.rows] == [
        (500_000, False), (1_000_000, True)
    ]  # fmt: skip
    assert _seen(_drill("reactivation_rate")) == [("a", "11-10", "order")]
    # cost per reactivation: the costs logged (2,000 + 3,000) and the reactivation
    cost = _drill("cost_per_reactivation")
    assert _seen(cost) == [
        ("c2", "11-18", "order"), ("a", "11-10", "order"), ("a", "11-03", "appointment")
    ]  # fmt: skip
    assert sum(r.cost or 0 for r in cost.rows) == 5_000


def test_groups_and_filters_narrow_the_list() -> None:
    assert _seen(_drill("contacted", by="channel", key="phone")) == [
        ("a", "11-10", "order"), ("c", "11-05", "no_answer"), ("c", "11-04", "no_answer")
    ]  # fmt: skip
    assert _seen(_drill("contacted", by="rank", key="C")) == [
        ("c", "11-05", "no_answer"), ("c", "11-04", "no_answer")
    ]  # fmt: skip
    assert _seen(_drill("contacted", by="week", key="2026-11-02")) == [
        ("d", "11-06", "no_answer"), ("c", "11-05", "no_answer"), ("c", "11-04", "no_answer"),
        ("a", "11-03", "appointment"),
    ]  # fmt: skip
    assert _seen(_drill("contacted", rep="Kato")) == [("c", "11-05", "no_answer")]
    assert _seen(_drill("contacted", reason="need_gone")) == [
        ("d", "11-12", "interested"), ("d", "11-06", "no_answer")
    ]  # fmt: skip
    assert _seen(_drill("contacted", rank="A", channel="visit")) == [("a", "11-03", "appointment")]
    assert _seen(_drill("contacted", by="reason", key="forgotten", period="last_month")) == [
        ("a", "10-20", "contacted")
    ]  # fmt: skip
    assert _drill("contacted", period="all").total == 8
    limited = drill_for(BOOK.engine, BOOK.settings, metric="contacted", by="rank", key=None,
                        filters=NOVEMBER, today=TODAY, offset_minutes=0, limit=2)  # fmt: skip
    assert (len(limited.rows), limited.total) == (2, 7)


@pytest.mark.parametrize("by", ["rank", "channel", "reason", "rep", "week", "month"])
def test_every_figure_of_the_table_counts_the_accounts_of_its_drill_down(by: str) -> None:
    report = kpi_report_for(
        BOOK.engine, BOOK.settings, by=by, period="2026-11", today=TODAY, offset_minutes=0
    )
    for row in [*report.rows, report.total]:
        key = None if row is report.total else row.group
        for metric, field in [("contacted", "contacted"), ("reach_rate", "reached"),
                              ("response_rate", "responded"), ("appointment_rate", "appointed"),
                              ("close_rate", "ordered"), ("reactivation_rate", "reactivated")]:  # fmt: skip
            drill = _drill(metric, by=by, key=key)
            accounts = {r.account_id for r in drill.rows}
            assert len(accounts) == getattr(row, field), (row.group, metric)
        money = _drill("revenue", by=by, key=key)
        revenue = sum(r.order_amount or 0 for r in money.rows)
        assert (len(money.rows), revenue) == (row.orders, row.revenue)


def test_periods_relative_to_today() -> None:
    assert period_spec("this_week", TODAY) == "2026-11-30..2026-12-06"
    assert period_spec("last_week", TODAY) == "2026-11-23..2026-11-29"
    assert period_spec("this_month", TODAY) == "2026-11"
    assert period_spec("last_month", date(2026, 1, 5)) == "2025-12"
    assert period_spec("all", TODAY) is None
    assert period_spec("2026-10", TODAY) == "2026-10"
    assert period_bounds("2026-11-30..2026-12-06") == (date(2026, 11, 30), date(2026, 12, 6))
    for bad in ("2026-13", "October", "2026-11-02", "2026-11-09..2026-11-02"):
        with pytest.raises(ReportError):
            period_spec(bad, TODAY)


def test_review_data_for_the_screen() -> None:
    data = review_data(BOOK.engine, BOOK.settings, by="rep", filters=ReviewFilter(period="last_week"),
                       today=TODAY, offset_minutes=0)  # fmt: skip
    assert (data.first_day, data.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    assert data.reps == ["Kato", "Sato"]
    assert data.report.total.contacted == 0  # nothing logged from Nov 23 to 29
    assert [(r.rank, r.channel) for r in data.rates][:2] == [("A", "all"), ("A", "visit")]
    month = review_data(BOOK.engine, BOOK.settings, by="rep", filters=ReviewFilter(rep="Kato"),
                        today=TODAY, offset_minutes=0)  # fmt: skip
    assert [(r.group, r.contacted) for r in month.report.rows] == [("Kato", 1)]
