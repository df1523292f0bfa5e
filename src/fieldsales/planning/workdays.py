"""Working days: weekdays worked, national holidays and company closures (config `calendar`).

Pure code: which days a plan of N working days covers, which it skips and why.
"""

from __future__ import annotations

from datetime import date, timedelta

from fieldsales.config import Settings
from fieldsales.domain import calendar
from fieldsales.planning.day_model import PlanError


def day_off(day: date, settings: Settings) -> str | None:
    """Why nobody is planned on `day` (a weekday off, a holiday, a closure), or None."""
    if day.weekday() not in settings.visits.work_weekdays:
        return f"not a working weekday ({day.strftime('%A')})"
    return calendar.day_off_reason(day, settings.calendar)


# a year of days off in a row means the calendar config shuts every day
_SEARCH_DAYS = 366


def working_days(first: date, n: int, settings: Settings) -> list[date]:
    """The first `n` working days from `first`: work weekdays that are neither
    national holidays nor company closures (config `calendar`)."""
    return [d for d, why in calendar_days(first, n, settings) if why is None]


def calendar_days(first: date, n: int, settings: Settings) -> list[tuple[date, str | None]]:
    """Every day from `first` up to the n-th working day, with why it is off (or None)."""
    if not settings.visits.work_weekdays:
        raise PlanError("no working weekdays configured (visits.work_weekdays)")
    out: list[tuple[date, str | None]] = []
    d, found, idle = first, 0, 0
    while found < n:
        why = day_off(d, settings)
        out.append((d, why))
        found += why is None
        idle = 0 if why is None else idle + 1
        if idle > _SEARCH_DAYS:
            raise PlanError("no working day within a year: check calendar.closed_dates")
        d += timedelta(days=1)
    return out


def skipped_days(first: date, n: int, settings: Settings) -> list[tuple[date, str]]:
    """The holidays and closures a plan of `n` working days from `first` skips
    (weekends are not listed: they are not work days to begin with)."""
    work = set(settings.visits.work_weekdays)
    return [
        (d, why)
        for d, why in calendar_days(first, n, settings)
        if why is not None and d.weekday() in work
    ]


def next_working_day(today: date, settings: Settings) -> date:
    """Today if it is a working day, else the next one (holidays and closures skipped).

    A rep planning on a Sunday evening means Monday, not Sunday.
    """
    if not settings.visits.work_weekdays:
        return today
    return working_days(today, 1, settings)[0]


def check_open_day(day: date, settings: Settings) -> None:
    """Refuse a day nobody works, naming the reason and the next working day."""
    why = calendar.day_off_reason(day, settings.calendar)
    if why is not None:
        nxt = next_working_day(day, settings)
        raise PlanError(f"{day.isoformat()} is a day off ({why}); next working day {nxt}")
