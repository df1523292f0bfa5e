"""Campaign KPIs on a hand-built dataset in a real SQLite file: counts, rates and
the funnel per rank, channel, rep and week, corrections and undos applied, and
`fieldsales report --by ...` in-process (table, CSV with BOM, self-contained HTML)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fieldsales.cli import main
from fieldsales.config import Settings
from fieldsales.services.kpi_report import KpiRow, kpi_report_for
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.services.rank import rank_accounts

TODAY = date(2026, 11, 30)  # the dataset's today (tests/conftest.py: kpi_dataset)


def _counts(r: KpiRow) -> tuple[int, ...]:
    return (r.targets, r.contacted, r.reached, r.responded, r.appointed, r.ordered, r.orders,
            r.revenue, r.reactivated, r.cost)  # fmt: skip


def test_ranks_of_the_dataset(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    office = (settings.office.lat, settings.office.lon)
    base = rank_accounts(engine, settings, origin=office, today=TODAY).base
    rank_of = dict(zip(base.ids, base.ranks.tolist(), strict=True))
    assert {k: rank_of[v] for k, v in kpi_dataset.items()} == {
        "a": "A", "c": "C", "c2": "B", "x": "C", "d": "D"
    }  # fmt: skip


def test_kpis_per_rank_worked_out_by_hand(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    report = kpi_report_for(
        engine, settings, by="rank", period="2026-11", today=TODAY, offset_minutes=0
    )
    rows = {r.group: r for r in report.rows}
    assert list(rows) == ["A", "B", "C", "D"]
    # targets, contacted, reached, responded, appointed, ordered, orders, revenue, react., cost
    # cost: the cost logged, else kpi.contact_cost (visit 5,000 phone 1,000 dm 300 email 20)
    # a: the visit's logged 2,000 + the phone order's 1,000
    assert _counts(rows["A"]) == (1, 1, 1, 1, 1, 1, 1, 1_000_000, 1, 3_000)
    # c2 ordered at a visit (no reactivation: it bought in October)
    assert _counts(rows["B"]) == (1, 1, 1, 1, 1, 1, 1, 500_000, 0, 3_000)
    # c: no answer only; x never contacted
    assert _counts(rows["C"]) == (2, 1, 0, 0, 0, 0, 0, 0, 0, 2_000)  # two calls
    # d: the corrected entry (interested) counts, the wrong order and the undone appointment not
    assert _counts(rows["D"]) == (1, 1, 1, 1, 0, 0, 0, 0, 0, 320)  # an email and a DM
    b, c = rows["B"], rows["C"]
    assert (b.contact_rate, b.reach_rate, b.response_rate, b.appointment_rate) == (1, 1, 1, 1)
    assert (b.close_rate, b.average_order, b.reactivation_rate) == (1.0, 500_000, 0.0)
    assert b.cost_per_reactivation is None
    assert (c.contact_rate, c.reach_rate, c.response_rate) == (0.5, 0.0, 0.0)
    assert c.close_rate is None and c.average_order is None  # nothing appointed, no order
    assert rows["A"].cost_per_reactivation == 3_000
    t = report.total
    assert _counts(t) == (5, 4, 3, 3, 2, 2, 2, 1_500_000, 1, 8_320)
    assert (t.average_order, t.cost_per_reactivation) == (750_000, 8_320)
    assert t.reactivation_rate == 0.25
    # the funnel: 4 contacted -> 3 reached (lost 1/4) -> 2 appointed (lost 1/3) -> 2 ordered
    steps = t.funnel()
    assert [(s, n) for s, n, _ in steps] == [
        ("contacted", 4), ("reached", 3), ("appointed", 2), ("ordered", 2)
    ]  # fmt: skip
    assert [lost for _, _, lost in steps] == [None, 0.25, pytest.approx(1 / 3), 0.0]


def test_kpis_per_channel_rep_and_week(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    def by(group: str, **kw) -> dict[str, KpiRow]:
        report = kpi_report_for(
            engine, settings, by=group, period="2026-11", today=TODAY, offset_minutes=0, **kw
        )
        return {r.group: r for r in report.rows}

    channels = by("channel")
    assert list(channels) == ["dm", "email", "phone", "visit"]
    # targets are every account (5) for a channel
    assert _counts(channels["visit"]) == (5, 2, 2, 2, 2, 1, 1, 500_000, 0, 5_000)
    assert _counts(channels["phone"]) == (5, 2, 1, 1, 1, 1, 1, 1_000_000, 1, 3_000)
    assert _counts(channels["email"]) == (5, 1, 0, 0, 0, 0, 0, 0, 0, 20)
    assert _counts(channels["dm"]) == (5, 1, 1, 1, 0, 0, 0, 0, 0, 300)
    assert channels["phone"].contact_rate == 0.4
    assert channels["visit"].close_rate == 0.5
    assert channels["phone"].cost_per_reactivation == 3_000

    reps = by("rep")
    assert (reps["Kato"].contacted, reps["Kato"].reached) == (1, 0)
    assert reps["Sato"].contacted == 4
    kato = kpi_report_for(
        engine, settings, by="channel", period="2026-11", rep="Kato", offset_minutes=0
    )
    assert [(r.group, r.contacted) for r in kato.rows] == [("phone", 1)]
    assert kato.total.contacted == 1

    weeks = by("week")  # keyed by the Monday of the outcome's local week
    assert list(weeks) == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert [(w.contacted, w.reached, w.ordered, w.reactivated) for w in weeks.values()] == [
        (3, 1, 0, 0), (2, 2, 1, 1), (1, 1, 1, 0)
    ]  # fmt: skip
    months = kpi_report_for(engine, settings, by="month", offset_minutes=0)
    assert [(r.group, r.contacted) for r in months.rows] == [("2026-10", 1), ("2026-11", 4)]

    reasons = by("reason")
    assert [(r.group, r.targets, r.contacted) for r in reasons.values()] == [
        ("forgotten", 1, 1), ("need_gone", 1, 1), ("price", 3, 2)
    ]  # fmt: skip


def test_the_local_day_decides_the_week_and_the_period(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    x = kpi_dataset["x"]
    for moment in (datetime(2026, 11, 9, 3, tzinfo=UTC), datetime(2026, 12, 1, 2, tzinfo=UTC)):
        data = OutcomeInput(account_id=x, occurred_at=moment, rep="Sato", result="no_answer")
        log_outcome(engine, settings, data, today=date(2026, 12, 1))

    def weeks(offset: int) -> list[tuple[str, int]]:
        report = kpi_report_for(
            engine, settings, by="week", period="2026-11", offset_minutes=offset
        )
        return [(r.group, r.contacted) for r in report.rows]

    # Monday 11-09 03:00 UTC is Sunday 11-08 22:00 at UTC-5, in the week before;
    # 12-01 02:00 UTC is 11-30 21:00 at UTC-5: in November, and in December in Tokyo
    assert weeks(0) == [("2026-11-02", 3), ("2026-11-09", 3), ("2026-11-16", 1)]
    assert weeks(-300) == [("2026-11-02", 4), ("2026-11-09", 2), ("2026-11-16", 1),
                           ("2026-11-30", 1)]  # fmt: skip
    assert weeks(540) == weeks(0)
    # the same statements with another unit or offset are not served from the SQL cache
    months = kpi_report_for(engine, settings, by="month", offset_minutes=-300)
    assert [(r.group, r.contacted) for r in months.rows] == [("2026-10", 1), ("2026-11", 5)]
    months = kpi_report_for(engine, settings, by="month", offset_minutes=540)
    assert [(r.group, r.contacted) for r in months.rows] == [
        ("2026-10", 1), ("2026-11", 5), ("2026-12", 1)
    ]  # fmt: skip


def _cli(db_path: Path, *args: str) -> list[str]:
    return ["--db", str(db_path), "report", *args]


def test_cli_table_csv_and_html(
    engine: Engine,
    db_path: Path,
    kpi_dataset: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_cli(db_path, "--by", "channel", "--period", "2026-11")) == 0
    out = capsys.readouterr().out
    assert "visit" in out and "dm" in out and "total" in out
    assert "750,000" in out  # the average order of all groups

    target = tmp_path / "kpi.csv"
    assert main(_cli(db_path, "--by", "channel", "--period", "2026-11", "--format", "csv",
                     "-o", str(target))) == 0  # fmt: skip
    assert capsys.readouterr().out == f"wrote {target}\n"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["group"] for r in rows] == ["dm", "email", "phone", "visit", "total"]
    assert (rows[2]["targets"], rows[2]["contacted"], rows[2]["revenue"]) == ("5", "2", "1000000")
    assert (rows[2]["contact_rate"], rows[3]["close_rate"]) == ("0.4", "0.5")
    assert rows[4]["lost_before_reached"] == "0.25"

    assert main(_cli(db_path, "--by", "reason", "--format", "json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by"] == "reason"
    assert [r["group"] for r in data["rows"]] == ["forgotten", "need_gone", "price"]
    assert data["total"]["contacted"] == 4

    page = tmp_path / "kpi.html"
    assert main(_cli(db_path, "--by", "rank", "--period", "2026-11", "--format", "html",
                     "-o", str(page))) == 0  # fmt: skip
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "http" not in html.lower()  # self-contained: no link, script or font to fetch
    assert "<style>" in html and "<svg" in html
    # the CLI ranks as of the real today: only the totals are fixed
    assert "1,500,000" in html and "750,000" in html  # revenue and average order of all
    assert html.count("<rect") >= 4  # the funnel's four bars


def test_cli_offers_every_kpi_group() -> None:
    from fieldsales.commands import report
    from fieldsales.services import kpi_report

    assert report.KPI_GROUPS == kpi_report.KPI_GROUPS


def test_cli_route_still_works_and_errors(
    engine: Engine, db_path: Path, kpi_dataset: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_cli(db_path, "--by", "route", "--format", "json")) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(_cli(db_path, "--route", "abc", "--format", "html")) == 2
    assert "--format html is not offered for --route" in capsys.readouterr().err
    assert main(_cli(db_path, "--by", "rank", "--format", "xlsx")) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: --format xlsx writes a file: add -o FILE") and err.count("\n") == 1
    )
    assert main(_cli(db_path, "--by", "week", "--period", "2026-13")) == 2
    assert "YYYY-MM" in capsys.readouterr().err
