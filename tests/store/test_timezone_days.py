"""Days are counted in config `timezone`, not in the computer's zone: an outcome logged at
00:30 in Tokyo on 1 December (15:30 UTC on 30 November) is a December outcome for a
Tokyo team, in its history, its KPI period and month, and in what the log form stores;
with `timezone: UTC` the same instant is a November one. The tests run on any computer
zone: the process's own zone is set to a third one (America/New_York) to prove it is
not used."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain.clock import local_date, today_in, utc_offset_minutes
from fieldsales.services.kpi_report import kpi_report_for, local_offset_minutes
from fieldsales.services.outcome_form import (
    OutcomeError,
    OutcomeForm,
    outcome_from_form,
    validate,
)
from fieldsales.services.outcomes import OutcomeInput, account_history, log_outcome

TOKYO = ZoneInfo("Asia/Tokyo")
LATE_UTC = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 2026-12-01 00:30 in Tokyo
EARLY_UTC = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)  # 2026-11-30 23:30 in Tokyo
TODAY = date(2026, 12, 1)


pytestmark = pytest.mark.usefixtures("computer_in_new_york")


def _in(settings: Settings, zone: str) -> Settings:
    return settings.model_copy(update={"timezone": zone})


def test_the_day_of_an_instant_around_midnight() -> None:
    assert local_date(LATE_UTC, TOKYO) == date(2026, 12, 1)
    assert local_date(EARLY_UTC, TOKYO) == date(2026, 11, 30)
    assert local_date(LATE_UTC, UTC) == date(2026, 11, 30)
    assert local_date(LATE_UTC, None) == date(2026, 11, 30)  # the computer's: New York 10:30
    assert utc_offset_minutes(TOKYO) == 540
    ny = ZoneInfo("America/New_York")
    assert utc_offset_minutes(ny, datetime(2026, 7, 1, tzinfo=UTC)) == -240  # summer time
    assert utc_offset_minutes(ny, datetime(2026, 12, 1, tzinfo=UTC)) == -300
    assert today_in(TOKYO) == datetime.now(UTC).astimezone(TOKYO).date()


def _log_at(engine: Engine, settings: Settings, account_id: str, moment: datetime) -> None:
    log_outcome(
        engine,
        settings,
        OutcomeInput(
            account_id=account_id,
            occurred_at=moment,
            rep="Sato",
            channel="phone",
            result="order",
            order_amount=100_000,
        ),
        today=TODAY,
    )


@pytest.mark.parametrize(
    ("zone", "late_day", "late_month"),
    [("Asia/Tokyo", date(2026, 12, 1), "2026-12"), ("UTC", date(2026, 11, 30), "2026-11")],
)
def test_history_and_kpi_periods_follow_the_configured_zone(
    engine: Engine,
    settings: Settings,
    add_account: object,
    zone: str,
    late_day: date,
    late_month: str,
) -> None:
    s = _in(settings, zone)
    late = add_account(company="遅い商事").id  # type: ignore[operator]
    early = add_account(company="早い商事").id  # type: ignore[operator]
    _log_at(engine, s, late, LATE_UTC)
    _log_at(engine, s, early, EARLY_UTC)
    # the account's history shows the day in the configured zone
    [entry] = [e for e in account_history(engine, late, zone=s.zone()) if e.kind == "outcome"]
    assert entry.day == late_day
    # the KPI periods: the offset of the configured zone, whatever the computer says
    offset = local_offset_minutes(s.zone())
    assert offset == (540 if zone == "Asia/Tokyo" else 0)
    for period in ("2026-11", "2026-12"):
        report = kpi_report_for(engine, s, by="month", period=period, today=TODAY)
        expected = (1 if period == late_month else 0) + (1 if period == "2026-11" else 0)
        assert report.total.contacted == expected, (zone, period)
    by_month = kpi_report_for(engine, s, by="month", today=TODAY)  # every period
    months = {r.group: r.contacted for r in by_month.rows}
    assert months == ({"2026-11": 1, "2026-12": 1} if late_month == "2026-12" else {"2026-11": 2})


def test_the_log_form_takes_the_wall_time_of_the_configured_zone(settings: Settings) -> None:
    form = OutcomeForm(
        account_id="x",
        channel="phone",
        result="contacted",
        day="2026-12-01",
        default_channel="phone",
    )
    data = outcome_from_form(form, TODAY, now=datetime(2026, 12, 1, 0, 30).time(), zone=TOKYO)
    assert data.occurred_at == LATE_UTC
    # the same instant checked against a rep's today of 30 November: tomorrow in Tokyo
    # (refused as in the future), still today in UTC
    moment = OutcomeInput(account_id="x", occurred_at=LATE_UTC)
    with pytest.raises(OutcomeError, match=r"2026-12-01 is in the future"):
        validate(moment, today=date(2026, 11, 30), zone=TOKYO)
    validate(moment, today=date(2026, 11, 30), zone=UTC)


def test_the_stops_of_a_route_are_dated_in_config_timezone() -> None:
    """`report --route` shows the day of each stop's outcome in config `timezone`."""
    import io

    from fieldsales.commands.report_format import Out
    from fieldsales.commands.route_output import write_stops_table
    from fieldsales.services.route_report import RouteDetail, RouteRow
    from fieldsales.store.route_report import StopOutcome

    row = RouteRow(*("r1", TODAY, "Sato", "done", 1, 1, 3.0, 0, 0, None, 0, 0, 0, None, None, 1, 0))
    stop = StopOutcome(
        1, "s1", "a1", "東京商事", None, "visited", LATE_UTC, "visit", "order", 100_000, None, None
    )
    for zone, day in ((TOKYO, "2026-12-01"), (UTC, "2026-11-30")):
        fh = io.StringIO()
        write_stops_table(RouteDetail(row, [stop], zone), Out(fh))
        line = next(x for x in fh.getvalue().splitlines() if "東京商事" in x)
        assert day in line.split()
