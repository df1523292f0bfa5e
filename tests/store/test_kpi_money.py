"""KPI money, retention, coverage and filters, worked out by hand on the
dataset of tests/conftest.py (kpi_dataset) in a real SQLite file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.kpi_report import kpi_report_for
from tests.conftest import _log

TODAY = date(2026, 11, 30)


def _report(engine: Engine, settings: Settings, by: str, **kw):
    kw.setdefault("period", "2026-11")
    return kpi_report_for(engine, settings, by=by, today=TODAY, offset_minutes=0, **kw)


def test_gross_profit_and_roi_per_rank(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    rows = {r.group: r for r in _report(engine, settings, "rank").rows}
    # margin 30% (roi.gross_margin: the accounts have none of their own)
    a, b = rows["A"], rows["B"]
    assert (a.gross_profit, a.cost) == (300_000, 3_000)
    assert a.roi == pytest.approx((300_000 - 3_000) / 3_000)  # 9,900%
    assert (b.gross_profit, b.cost) == (150_000, 3_000)
    assert b.roi == pytest.approx(49.0)
    assert rows["C"].roi == pytest.approx(-1.0)  # two calls, nothing sold
    total = _report(engine, settings, "rank").total
    assert total.gross_profit == 450_000
    assert total.roi == pytest.approx((450_000 - 8_320) / 8_320)


def test_an_account_margin_overrides_the_default(
    engine: Engine, settings: Settings, add_account, kpi_dataset: dict[str, str]
) -> None:
    e = add_account(company="E社", gross_margin=0.5, last_order_date=date(2020, 1, 1))
    _log(engine, settings, e.id, date(2026, 11, 25), channel="visit", result="order",
         visit_stage="met", order_amount=200_000, cost=4_000)  # fmt: skip
    rows = {r.group: r for r in _report(engine, settings, "channel").rows}
    assert rows["visit"].gross_profit == 150_000 + 100_000
    assert rows["visit"].cost == 2_000 + 3_000 + 4_000
    assert rows["visit"].roi == pytest.approx((250_000 - 9_000) / 9_000)


def test_retention_after_revival(
    engine: Engine, settings: Settings, add_account, kpi_dataset: dict[str, str]
) -> None:
    long_ago = dict(last_order_date=date(2024, 1, 1))
    kept = add_account(company="継続", **long_ago)
    lost = add_account(company="一回", **long_ago)
    # kept: revived in July, ordered again 45 days later (within retention_days 90)
    _log(engine, settings, kept.id, date(2026, 7, 1), channel="phone", result="order",
         order_amount=100_000)  # fmt: skip
    _log(engine, settings, kept.id, date(2026, 8, 15), channel="phone", result="order",
         order_amount=80_000)  # fmt: skip
    # lost: revived in June, nothing since
    _log(engine, settings, lost.id, date(2026, 6, 1), channel="phone", result="order",
         order_amount=50_000)  # fmt: skip
    report = _report(engine, settings, "channel", period=None)
    phone = {r.group: r for r in report.rows}["phone"]
    # revivals on the phone: kept, lost and a (2026-11-10, only 20 days ago: not due yet)
    assert phone.reactivated == 3
    assert (phone.revived_due, phone.retained, phone.retention_rate) == (2, 1, 0.5)
    assert (report.total.revived_due, report.total.retained) == (2, 1)
    # an order more than retention_days after the revival does not retain it
    _log(engine, settings, lost.id, date(2026, 9, 15), channel="phone", result="order",
         order_amount=50_000)  # fmt: skip
    phone = {r.group: r for r in _report(engine, settings, "channel", period=None).rows}["phone"]
    assert (phone.revived_due, phone.retained) == (2, 1)


def test_coverage_of_target_ranks(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    report = _report(engine, settings, "rank")
    rows = {r.group: r for r in report.rows}
    # targets: ranks A-C (kpi.coverage_ranks): a (A), c2 (B), c and x (C); touched
    # in the 30 days before the period's end: a, c2, c
    assert (rows["A"].coverage_targets, rows["A"].covered, rows["A"].coverage) == (1, 1, 1.0)
    assert (rows["C"].coverage_targets, rows["C"].covered, rows["C"].coverage) == (2, 1, 0.5)
    assert rows["D"].coverage is None  # D is not a coverage target
    assert (report.total.coverage_targets, report.total.covered) == (4, 3)
    # a period ending earlier: the October window touched only a
    october = _report(engine, settings, "rank", period="2026-10")
    assert (october.total.coverage_targets, october.total.covered) == (4, 1)
    # groupings without ranks carry no coverage
    assert _report(engine, settings, "channel").total.coverage is None


def test_filters_by_channel_reason_and_rank(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    phone = _report(engine, settings, "rep", channel="phone")
    assert [(r.group, r.contacted) for r in phone.rows] == [("Kato", 1), ("Sato", 2)]
    assert phone.total.contacted == 2 and phone.filters == {"channel": "phone"}
    # reason: price is c, c2 and x; c2 ordered at a visit
    price = _report(engine, settings, "channel", reason="price")
    assert [(r.group, r.targets, r.contacted) for r in price.rows] == [
        ("phone", 3, 1), ("visit", 3, 1)
    ]  # fmt: skip
    assert (price.total.targets, price.total.contacted, price.total.revenue) == (3, 2, 500_000)
    # rank: only A's account, grouped by channel; targets are the rank's accounts
    ranked = _report(engine, settings, "channel", rank="A")
    assert [(r.group, r.targets, r.contacted, r.revenue) for r in ranked.rows] == [
        ("phone", 1, 1, 1_000_000), ("visit", 1, 1, 0)
    ]  # fmt: skip
    assert (ranked.total.contacted, ranked.total.reactivated) == (1, 1)
    only_c = _report(engine, settings, "rank", rank="C")
    assert [(r.group, r.targets, r.contacted) for r in only_c.rows] == [("C", 2, 1)]
