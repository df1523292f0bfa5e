"""Campaign targets against the actual, week by week (METHOD section 10), worked
out by hand on the KPI dataset (tests/conftest.py), and `report --by campaign`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fieldsales.cli import main
from fieldsales.config import Campaign, Settings, Target
from fieldsales.services.route_report import ReportError
from fieldsales.services.targets import campaign_report

TODAY = date(2026, 11, 30)
NOVEMBER = Campaign(
    name="11月の掘り起こし",
    start=date(2026, 11, 1),
    end=date(2026, 11, 30),
    targets={"A": Target(reactivations=2, revenue=3_000_000), "B": Target(reactivations=1,
             revenue=1_000_000)},
)  # fmt: skip


def test_targets_against_actual_week_by_week(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    s = settings.model_copy(update={"campaign": NOVEMBER})
    report = campaign_report(engine, s, today=TODAY, offset_minutes=0)
    mondays = sorted({w.week for w in report.weeks})
    # November 2026 starts on a Sunday: its first week is the one of Monday 10-26
    assert [m.isoformat() for m in mondays] == [
        "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"
    ]  # fmt: skip
    week = {(w.week.isoformat(), w.rank): w for w in report.weeks}
    # a (rank A) came back with a 1,000,000 order on 11-10
    a = week[("2026-11-09", "A")]
    assert (a.reactivations, a.revenue, a.cum_reactivations, a.cum_revenue) == (
        1, 1_000_000, 1, 1_000_000
    )  # fmt: skip
    # by 11-15, 15 of the 30 days: half the targets
    assert (a.target_reactivations, a.target_revenue) == (1.0, 1_500_000)
    assert a.reactivation_progress == 1.0
    assert a.revenue_progress == pytest.approx(2 / 3)
    # c2 (rank B) ordered 500,000 on 11-18, no reactivation: it bought in October
    b = week[("2026-11-16", "B")]
    assert (b.reactivations, b.revenue, b.cum_revenue) == (0, 500_000, 500_000)
    assert b.target_revenue == round(1_000_000 * 22 / 30)
    first = week[("2026-10-26", "A")]
    assert (first.cum_reactivations, first.target_revenue) == (0, 100_000)  # 1 day of 30
    # the campaign to date: the last week begun, all ranks and the total
    latest = {w.rank: w for w in report.latest()}
    assert list(latest) == ["A", "B", "total"]
    total = latest["total"]
    assert (total.cum_reactivations, total.cum_revenue) == (1, 1_500_000)
    assert (total.target_reactivations, total.target_revenue) == (3, 4_000_000)
    assert report.elapsed == 1.0
    # a week not begun yet has no actual
    early = campaign_report(engine, s, today=date(2026, 11, 20), offset_minutes=0)
    late = [w for w in early.weeks if w.week == date(2026, 11, 23)]
    assert late and not any(w.started for w in late)
    assert late[0].reactivation_progress is None
    assert early.elapsed == pytest.approx(20 / 30)


def test_no_campaign_says_how_to_set_one(engine: Engine, settings: Settings) -> None:
    with pytest.raises(ReportError, match="no campaign targets set: add campaign:"):
        campaign_report(engine, settings)


def test_campaign_cli(
    db_path: Path,
    kpi_dataset: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "campaign:\n  name: 11月の掘り起こし\n  start: 2026-11-01\n  end: 2026-11-30\n"
        "  targets:\n    A: {reactivations: 2, revenue: 3000000}\n",
        encoding="utf-8",
    )
    base = ["--db", str(db_path), "--config", str(config), "report", "--by", "campaign"]
    assert main([*base, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["campaign"] == "11月の掘り起こし"
    assert data["targets"]["A"] == {"reactivations": 2, "revenue": 3_000_000}
    assert {w["rank"] for w in data["weeks"]} == {"A", "total"}
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "11月の掘り起こし" in out and "3,000,000" in out
    book = tmp_path / "campaign.xlsx"
    assert main([*base, "--format", "xlsx", "-o", str(book)]) == 0
    assert book.read_bytes()[:2] == b"PK"
    capsys.readouterr()
    # a period makes no sense for the campaign; KPI filters not for routes
    assert main([*base, "--period", "2026-11"]) == 2
    assert "drop --period" in capsys.readouterr().err
    bad = ["--db", str(db_path), "report", "--by", "route", "--rank", "A"]
    assert main(bad) == 2
    assert "--rank go with the KPI groupings" in capsys.readouterr().err
    # a campaign ending before it starts is a config error naming the key
    config.write_text("campaign:\n  name: x\n  start: 2026-11-30\n  end: 2026-11-01\n"
                      "  targets: {}\n", encoding="utf-8")  # fmt: skip
    assert main(base) != 0
    assert "end 2026-11-01 is before start 2026-11-30" in capsys.readouterr().err


def test_period_ranges(engine: Engine, settings: Settings, kpi_dataset: dict[str, str]) -> None:
    from fieldsales.services.kpi_report import kpi_report_for

    both = kpi_report_for(engine, settings, by="month", period="2026-10..2026-11",
                          offset_minutes=0)  # fmt: skip
    assert [(r.group, r.contacted) for r in both.rows] == [("2026-10", 1), ("2026-11", 4)]
    days = kpi_report_for(engine, settings, by="week", period="2026-11-09..2026-11-15",
                          offset_minutes=0)  # fmt: skip
    assert [(r.group, r.contacted) for r in days.rows] == [("2026-11-09", 2)]
    with pytest.raises(ReportError, match="ends before it starts"):
        kpi_report_for(engine, settings, by="week", period="2026-11..2026-10")


def test_the_review_ranks_once(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KPIs per rank, the learned rates and the campaign share one ranking."""
    from fieldsales.services import rank, review

    calls: list[object] = []
    real = rank.rank_accounts

    def counted(*args: object, **kw: object):
        calls.append(args)
        return real(*args, **kw)  # type: ignore[arg-type]

    for module in ("review", "kpi_report", "targets", "rates"):
        monkeypatch.setattr(f"fieldsales.services.{module}.rank_accounts", counted)
    s = settings.model_copy(update={"campaign": NOVEMBER})
    data = review.review_data(
        engine, s, by="rank", filters=review.ReviewFilter(period="2026-11"), today=TODAY,
        offset_minutes=0,
    )  # fmt: skip
    assert data.campaign is not None and data.report.total.contacted == 4 and data.rates
    assert len(calls) == 1
