"""Route history on a hand-built dataset in a real SQLite file: planned against
actual ROI, corrections and undos applied, and `fieldsales report` in-process."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fieldsales.cli import main
from fieldsales.config import Settings
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.services.route_report import ReportError, route_detail, route_rows
from fieldsales.store.db import session_scope
from fieldsales.store.models import Route, RouteStop

TODAY = date(2026, 11, 30)
DAY = date(2026, 11, 10)


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _route(engine: Engine, *, day: date, rep: str, status: str = "planned", **kw) -> Route:
    route = Route(
        rep=rep,
        day=day,
        status=status,
        start_label="office",
        start_lat=35.68,
        start_lon=139.76,
        end_label="office",
        end_lat=35.68,
        end_lon=139.76,
        **kw,
    )
    with session_scope(engine) as s:
        s.add(route)
    return route


def _stop(engine: Engine, route: Route, account_id: str, seq: int, status: str = "planned") -> str:
    stop = RouteStop(
        route_id=route.id,
        account_id=account_id,
        seq=seq,
        planned_arrival=datetime.combine(route.day, time(1 + seq), UTC),
        planned_departure=datetime.combine(route.day, time(2 + seq), UTC),
        status=status,
    )
    with session_scope(engine) as s:
        s.add(stop)
    return stop.id


def _log(engine: Engine, settings: Settings, account_id: str, day: date, **kw) -> str:
    data = OutcomeInput(account_id=account_id, occurred_at=at(day), rep="Sato", **kw)
    return log_outcome(engine, settings, data, today=TODAY).id


@pytest.fixture
def roi_settings(settings: Settings) -> Settings:
    roi = settings.roi.model_copy(
        update={"day_rate": 40_000, "cost_per_km": 30, "expenses_per_day": 1_000}
    )
    return settings.model_copy(update={"roi": roi})


@pytest.fixture
def dataset(engine: Engine, roi_settings: Settings, add_account) -> dict[str, str]:
    """One November route of 3 stops, 2 visited, with orders, a correction and an undo."""
    # dormant since mid-2024 (last order 2024-01-15, cycle 60 days, at risk up to 3 cycles)
    dormant = add_account(company="休眠工業", gross_margin=0.25, last_order_date=date(2024, 1, 15))
    # bought 2026-10-01: its order is no reactivation; no margin of its own (0.30 applies)
    active = add_account(company="現役商事", gross_margin=None, last_order_date=date(2026, 10, 1))
    unvisited = add_account(company="未訪問", gross_margin=0.5)
    route = _route(
        engine,
        day=DAY,
        rep="Sato",
        planned_km=42.0,
        planned_revenue=300_000,
        planned_cost=41_260,
        planned_roi_pct=118.0,
    )
    s1 = _stop(engine, route, dormant.id, 1, status="done")
    s2 = _stop(engine, route, active.id, 2)  # visited: an outcome is logged against it
    _stop(engine, route, unvisited.id, 3)
    _log(engine, roi_settings, dormant.id, DAY, channel="visit", result="appointment",
         visit_stage="met", route_stop_id=s1, cost=1_200)  # fmt: skip
    _log(engine, roi_settings, active.id, DAY, channel="visit", result="contacted",
         route_stop_id=s2, cost=800)  # fmt: skip
    # orders logged later without a stop: attributed to the route's visits
    _log(engine, roi_settings, dormant.id, date(2026, 11, 20), channel="phone",
         result="order", order_amount=600_000)  # fmt: skip
    wrong = _log(engine, roi_settings, active.id, date(2026, 11, 25), channel="phone",
                 result="order", order_amount=200_000)  # fmt: skip
    _log(engine, roi_settings, active.id, date(2026, 11, 25), channel="phone",
         result="order", order_amount=150_000, supersedes=wrong)  # fmt: skip
    # an order logged by mistake and undone counts for nothing
    _log(engine, roi_settings, dormant.id, date(2026, 11, 26), channel="phone",
         result="order", order_amount=400_000)  # fmt: skip
    undo_last(engine, roi_settings, dormant.id, today=TODAY)
    # another rep's December route, not run yet, and a cancelled one
    later = _route(engine, day=date(2026, 12, 2), rep="Kato", planned_km=10.0)
    _stop(engine, later, unvisited.id, 1)
    _route(engine, day=date(2026, 11, 12), rep="Sato", status="cancelled")
    return {"route": route.id, "later": later.id}


def test_actual_roi_of_a_route_worked_out_by_hand(
    engine: Engine, roi_settings: Settings, dataset: dict[str, str]
) -> None:
    rows = route_rows(engine, roi_settings, period="2026-11")
    assert [r.route_id for r in rows] == [dataset["route"]]  # cancelled left out
    r = rows[0]
    assert (r.day, r.rep, r.stops_planned, r.stops_visited, r.km) == (DAY, "Sato", 3, 2, 42.0)
    assert (r.planned_revenue, r.planned_roi_pct) == (300_000, 118.0)
    # 600,000 + 150,000 (the corrected amount; the undone 400,000 is out)
    assert r.actual_revenue == 750_000
    assert r.orders == 2
    # 600,000 x 0.25 + 150,000 x 0.30 (the default margin)
    assert r.actual_gross_profit == 195_000
    assert r.actual_expenses == 1_200 + 800
    # day rate + 42 km x 30 + expenses per day + logged expenses
    assert r.actual_cost == 40_000 + 1_260 + 1_000 + 2_000 == 44_260
    assert r.actual_roi_pct == pytest.approx((195_000 - 44_260) / 44_260 * 100)
    assert r.actual_roi_pct == pytest.approx(340.578, abs=1e-3)
    assert r.reactivations == 1  # the dormant account only


def test_filters_and_a_route_not_run_yet(
    engine: Engine, roi_settings: Settings, dataset: dict[str, str]
) -> None:
    everything = route_rows(engine, roi_settings)
    assert [r.route_id for r in everything] == [dataset["route"], dataset["later"]]
    later = route_rows(engine, roi_settings, rep="Kato")
    assert [r.route_id for r in later] == [dataset["later"]]
    assert later[0].stops_visited == 0
    assert later[0].actual_revenue == 0
    assert later[0].actual_cost is None and later[0].actual_roi_pct is None
    assert route_rows(engine, roi_settings, period="2026-11", rep="Kato") == []
    with pytest.raises(ReportError, match="YYYY-MM"):
        route_rows(engine, roi_settings, period="2026-13")


def test_route_detail_lists_stops_with_their_outcomes_in_effect(
    engine: Engine, roi_settings: Settings, dataset: dict[str, str]
) -> None:
    detail = route_detail(engine, roi_settings, dataset["route"][:8])
    assert detail.row.route_id == dataset["route"]
    by_stop = [(s.seq, s.company, s.result, s.order_amount) for s in detail.stops]
    assert by_stop == [
        (1, "休眠工業", "appointment", None),
        (1, "休眠工業", "order", 600_000),
        (2, "現役商事", "contacted", None),
        (2, "現役商事", "order", 150_000),
        (3, "未訪問", None, None),
    ]
    with pytest.raises(ReportError, match="not found"):
        route_detail(engine, roi_settings, "nosuchroute")


def _config(tmp_path: Path) -> str:
    """The bundled config with the test's ROI numbers."""
    src = Path(__file__).resolve().parents[2] / "config.yaml"
    text = src.read_text(encoding="utf-8").replace(
        "expenses_per_day: 0 ", "expenses_per_day: 1000 "
    )
    assert "expenses_per_day: 1000 " in text
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_prints_the_route_row_and_writes_a_bom_csv(
    engine: Engine,
    db_path: Path,
    dataset: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _config(tmp_path)
    base = ["--config", cfg, "--db", str(db_path), "report"]
    assert main([*base, "--by", "route", "--period", "2026-11", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    assert rows[0]["route_id"] == dataset["route"]
    assert rows[0]["day"] == "2026-11-10"
    assert (rows[0]["actual_revenue"], rows[0]["actual_cost"]) == (750_000, 44_260)
    assert (rows[0]["stops_planned"], rows[0]["stops_visited"], rows[0]["reactivations"]) == (
        3,
        2,
        1,
    )

    assert main([*base, "--by", "route", "--period", "2026-11"]) == 0
    table = capsys.readouterr().out
    assert "2026-11-10" in table and "Sato" in table and dataset["route"][:8] in table
    assert "750,000" in table and "44,260" in table and "341%" in table
    assert "Kato" not in table

    out = tmp_path / "routes.csv"
    assert main([*base, "--by", "route", "--format", "csv", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["route_id"] for r in parsed] == [dataset["route"], dataset["later"]]
    assert parsed[0]["actual_revenue"] == "750000" and parsed[0]["actual_cost"] == "44260"
    assert parsed[1]["actual_roi_pct"] == ""
    assert not list(tmp_path.glob("*.partial"))

    assert main([*base, "--route", dataset["route"]]) == 0
    stops = capsys.readouterr().out
    assert "休眠工業" in stops and "600,000" in stops and "150,000" in stops
    assert "200,000" not in stops and "400,000" not in stops


def test_cli_errors_are_one_line_and_non_zero(
    engine: Engine, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", str(db_path), "report"]
    assert main([*base, "--by", "route", "--period", "November"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: period 'November'") and "\n" not in err
    assert main([*base, "--route", "abcdef12"]) == 2
    assert "route 'abcdef12': not found" in capsys.readouterr().err
    out = tmp_path / "missing" / "r.csv"
    assert main([*base, "--by", "route", "--format", "csv", "-o", str(out)]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert not out.exists()


def test_cli_route_history_as_xlsx_and_html(
    engine: Engine,
    db_path: Path,
    dataset: dict[str, str],
    tmp_path: Path,
    read_xlsx,
) -> None:
    base = ["--config", _config(tmp_path), "--db", str(db_path), "report", "--by", "route"]
    book_path = tmp_path / "routes.xlsx"
    assert main([*base, "--format", "xlsx", "-o", str(book_path)]) == 0
    book = read_xlsx(book_path)
    head, *rows = book.rows("Routes")
    cols = [c.value for c in head]
    done, later = (dict(zip(cols, r, strict=True)) for r in rows)
    assert done["route id"].value == dataset["route"] and done["rep"].value == "Sato"
    assert (done["revenue"].value, done["revenue"].format) == (750_000, "#,##0")
    assert (done["cost"].value, done["cost"].type) == (44_260, "number")
    # ROI as Excel keeps a percentage: 341% is 3.41, shown with 0%
    assert done["actual ROI"].value == pytest.approx(3.4, abs=0.01)
    assert done["actual ROI"].format == "0%" and done["planned ROI"].value == 1.18
    assert (done["stops"].value, done["visited"].value, done["react."].value) == (3, 2, 1)
    assert later["actual ROI"].type == "blank" and later["rep"].value == "Kato"
    (chart,) = book.charts
    assert "Planned against actual ROI per route" in chart and "Routes!$K$2:$K$3" in chart

    page = tmp_path / "routes.html"
    assert main([*base, "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "http" not in html.lower() and html.count("<svg") == 1
    assert "750,000" in html and "44,260" in html and "341%" in html and "118%" in html
    assert dataset["route"][:8] in html and "Kato" in html
