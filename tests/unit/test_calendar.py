"""Working days, closed weekdays and opening hours as reps type them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldsales.config import CalendarSettings, default_settings
from fieldsales.domain import calendar as cal


@pytest.fixture
def cfg() -> CalendarSettings:
    return default_settings().calendar


def test_coming_of_age_day_is_refused(cfg: CalendarSettings) -> None:
    day = date(2027, 1, 11)
    assert cal.day_off_reason(day, cfg) == "national holiday 成人の日"
    assert not cal.is_open_day(day, cfg)
    assert cal.is_open_day(date(2027, 1, 12), cfg)


def test_year_end_closure_from_the_default_config(cfg: CalendarSettings) -> None:
    closed = [date(2026, 12, 29) + timedelta(days=i) for i in range(6)]
    assert closed[-1] == date(2027, 1, 3)
    for day in closed:
        assert not cal.is_open_day(day, cfg), day
    assert cal.day_off_reason(date(2026, 12, 29), cfg) == "company closed (12-29)"
    # New Year's Day is both: the holiday's own name is the reason given
    assert cal.day_off_reason(date(2027, 1, 1), cfg) == "national holiday 元日"
    assert cal.is_open_day(date(2026, 12, 28), cfg)
    assert cal.is_open_day(date(2027, 1, 4), cfg)


def test_substitute_and_citizens_holidays(cfg: CalendarSettings) -> None:
    # 2026-05-03 (憲法記念日) is a Sunday: the Wednesday after it is off instead
    reason = cal.day_off_reason(date(2026, 5, 6), cfg)
    assert reason is not None and "振替休日" in reason
    # 2026-09-22 sits between two holidays: 国民の休日
    assert cal.day_off_reason(date(2026, 9, 22), cfg) == "national holiday 国民の休日"


def test_one_off_closure_and_switching_holidays_off(cfg: CalendarSettings) -> None:
    own = cfg.model_copy(update={"closed_dates": ["2027-02-15"], "national_holidays": False})
    assert cal.day_off_reason(date(2027, 2, 15), own) == "company closed (2027-02-15)"
    assert cal.is_open_day(date(2028, 2, 15), own)  # once, not every year
    assert cal.is_open_day(date(2027, 1, 11), own)  # holidays not observed
    assert cal.is_open_day(date(2026, 12, 29), own)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("土日", "5,6"),
        ("土・日・祝", "5,6"),
        ("土日祝日", "5,6"),
        ("日曜", "6"),
        ("水曜日", "2"),
        ("毎週水曜・日曜", "2,6"),
        ("祝日", ""),
        ("Sat,Sun", "5,6"),
        ("sat sun", "5,6"),
        ("SATURDAY and Sunday", "5,6"),
        ("5,6", "5,6"),
        ("６，５", "5,6"),
        ("Mon, Mon", "0"),
        ("定休日なし", ""),
        ("なし", ""),
        ("none", ""),
        ("  ", ""),
    ],
)
def test_closed_weekdays_variants(typed: str, stored: str) -> None:
    assert cal.parse_closed_weekdays(typed) == stored


@pytest.mark.parametrize("typed", ["7", "土曜と午後", "weekends", "月-金"])
def test_closed_weekdays_rejects_what_it_cannot_read(typed: str) -> None:
    with pytest.raises(ValueError, match="not a weekday"):
        cal.parse_closed_weekdays(typed)


def test_closed_weekdays_format_reads_back() -> None:
    assert cal.format_closed_weekdays("5,6") == "Sat,Sun"
    assert cal.parse_closed_weekdays(cal.format_closed_weekdays("0,2,4")) == "0,2,4"
    assert cal.format_closed_weekdays(None) == ""


@pytest.mark.parametrize(
    ("typed", "hours"),
    [
        ("9:00-17:00", ("09:00", "17:00")),
        ("9:00～17:00", ("09:00", "17:00")),
        ("9時～17時", ("09:00", "17:00")),
        ("9時半～17時15分", ("09:30", "17:15")),
        ("09:00〜18:30", ("09:00", "18:30")),
        ("０９：００～１８：００", ("09:00", "18:00")),
        ("8:30 - 24:00", ("08:30", "24:00")),
        ("10時から19時まで", ("10:00", "19:00")),
        ("9-17", ("09:00", "17:00")),
    ],
)
def test_hours_variants(typed: str, hours: tuple[str, str]) -> None:
    assert cal.parse_hours(typed) == hours


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("9:00", "not opening hours"),
        ("午前中", "not opening hours"),
        ("9:75-17:00", "not a time of day"),
        ("25:00-26:00", "not a time of day"),
        ("17:00-9:00", "not after opens"),
        ("9:00-9:00", "not after opens"),
    ],
)
def test_hours_errors_say_why(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        cal.parse_hours(typed)


def test_hours_format_reads_back() -> None:
    assert cal.format_hours("09:00", "17:30") == "09:00-17:30"
    assert cal.parse_hours(cal.format_hours("09:00", "17:30") or "") == ("09:00", "17:30")
    assert cal.format_hours(None, None) is None


def test_account_window_on_open_and_closed_weekdays() -> None:
    saturday, monday = date(2027, 1, 16), date(2027, 1, 18)
    assert cal.account_window(saturday, "5,6", "09:00", "17:00") is None
    assert cal.account_window(monday, "5,6", "09:00", "17:00") == (9 * 3600, 17 * 3600)
    assert cal.account_window(monday, None, None, None) == (0, 86_400)
    assert cal.account_window(monday, "", "10:30", None) == (10 * 3600 + 1800, 86_400)
    assert cal.account_window(saturday, "", None, "24:00") == (0, 86_400)


def test_account_window_refuses_a_corrupt_stored_value() -> None:
    with pytest.raises(ValueError, match="closed weekdays"):
        cal.account_window(date(2027, 1, 18), "Sat", None, None)
    with pytest.raises(ValueError, match="HH:MM"):
        cal.account_window(date(2027, 1, 18), None, "9am", None)
