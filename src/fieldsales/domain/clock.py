"""The rep's calendar: days of UTC instants in the configured time zone (config `timezone`).

Outcomes are stored as UTC instants; the day an outcome counts for (its stage, its
follow-up, its KPI period, the date a screen shows) is its date in the working
day's zone, whatever zone the computer running fieldsales is set to: a laptop on
UTC, a server in another region and the rep's phone all agree on which day
23:30 JST is. `zone=None` keeps the computer's own zone (callers without
settings: tests of the pure method).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo


def local_date(moment: datetime, zone: tzinfo | None) -> date:
    """The day `moment` (aware; naive is taken as the computer's time) falls on in `zone`."""
    return moment.astimezone(zone).date()


def utc_offset_minutes(zone: tzinfo | None, at: datetime | None = None) -> int:
    """`zone`'s UTC offset at `at` (default now), in minutes: +540 for Asia/Tokyo."""
    moment = (at or datetime.now(UTC)).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def today_in(zone: tzinfo | None) -> date:
    """Today's date in `zone` (on a UTC computer at 20:00 UTC, tomorrow in Tokyo)."""
    return datetime.now(UTC).astimezone(zone).date()
