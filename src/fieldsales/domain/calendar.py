"""Which days a rep works and when an account receives visitors (pure).

A day is off when it is a Japanese national holiday (国民の祝日, substitute
and citizens' holidays included, from jpholiday) or one of the company's own
closed dates from config (`calendar.closed_dates`: "MM-DD" every year or
"YYYY-MM-DD" once). An account may add its own closed weekdays (定休日) and
opening hours (受付時間); `account_window` turns them into the hard window
the planner applies on a given day.

Stored forms: closed weekdays as "5,6" (Monday = 0, sorted, no spaces) and
hours as "HH:MM" strings. The parsers read what reps type in spreadsheets:
"土日", "土・日・祝", "水曜日", "Sat,Sun", "9:00～17:00", "9時～17時". A 祝
(holiday) in the closed days is accepted and ignored, since holidays are
never planned anyway.
"""

from __future__ import annotations

import re
from datetime import date

import jpholiday

from fieldsales.config import CalendarSettings
from fieldsales.domain.parse import nfkc

DAY_SECONDS = 86_400
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def holiday_name(day: date) -> str | None:
    """The national holiday's own name (成人の日, "憲法記念日 振替休日"), or None."""
    name = jpholiday.is_holiday_name(day)
    return str(name) if name else None


def day_off_reason(day: date, cfg: CalendarSettings) -> str | None:
    """None on a working day; else why nobody is visited that day, in one short phrase."""
    if cfg.national_holidays:
        name = holiday_name(day)
        if name is not None:
            return f"national holiday {name}"
    iso = day.isoformat()
    for entry in (iso, iso[5:]):
        if entry in cfg.closed_dates:
            return f"company closed ({entry})"
    return None


def is_open_day(day: date, cfg: CalendarSettings) -> bool:
    return day_off_reason(day, cfg) is None


# --- closed weekdays ---------------------------------------------------------

# Spellings of each weekday after NFKC and lower-casing; longest first so that
# "祝日" is not read as 祝 + 日 (Sunday) and "sunday" not as "sun" + "day".
_WEEKDAY_WORDS: dict[str, int | None] = {
    "祝祭日": None,
    "祝日": None,
    "祝": None,
    "holidays": None,
    "holiday": None,
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "weds": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    **{f"{c}曜日": i for i, c in enumerate("月火水木金土日")},
    **{f"{c}曜": i for i, c in enumerate("月火水木金土日")},
    **{c: i for i, c in enumerate("月火水木金土日")},
    **{str(i): i for i in range(7)},
}
_WEEKDAY_RE = re.compile(
    "|".join(re.escape(w) for w in sorted(_WEEKDAY_WORDS, key=len, reverse=True))
)
# Between and around the days: separators and words that add nothing.
_FILLER_RE = re.compile(r"(?:[\s,、，/・&+;|]|and|および|及び|と|毎週|定休日|定休|休み|は)+")
_NO_DAYS = frozenset({"", "なし", "無し", "none", "no", "-", "定休日なし", "無休", "年中無休"})
WEEKDAY_FORMS = "e.g. 土日, 水曜日, Sat,Sun or 5,6 (Monday = 0)"


def parse_closed_weekdays(text: str) -> str:
    """Closed weekdays as typed -> "5,6" (Monday = 0); "" when the account never closes."""
    cleaned = nfkc(text).lower()
    if cleaned in _NO_DAYS:
        return ""
    days: set[int] = set()
    pos = 0
    while pos < len(cleaned):
        filler = _FILLER_RE.match(cleaned, pos)
        if filler is not None:
            pos = filler.end()
            continue
        m = _WEEKDAY_RE.match(cleaned, pos)
        if m is None:
            raise ValueError(f"not a weekday: {cleaned[pos:]!r}; expected {WEEKDAY_FORMS}")
        day = _WEEKDAY_WORDS[m.group(0)]
        if day is not None:  # a holiday: never planned anyway
            days.add(day)
        pos = m.end()
    return ",".join(str(d) for d in sorted(days))


def closed_weekday_set(closed_weekdays: str | None) -> frozenset[int]:
    """The stored "5,6" as weekday numbers; a bad stored value raises ValueError."""
    if not closed_weekdays:
        return frozenset()
    try:
        days = frozenset(int(part) for part in closed_weekdays.split(","))
    except ValueError:
        raise ValueError(f"closed weekdays {closed_weekdays!r}: expected e.g. 5,6") from None
    if not days <= set(range(7)):
        raise ValueError(f"closed weekdays {closed_weekdays!r}: weekdays are 0 (Mon) to 6 (Sun)")
    return days


def format_closed_weekdays(closed_weekdays: str | None) -> str:
    """The stored "5,6" as "Sat,Sun" (what export writes; parse_closed_weekdays reads it)."""
    return ",".join(WEEKDAY_ABBR[d] for d in sorted(closed_weekday_set(closed_weekdays)))


# --- opening hours -------------------------------------------------------------

_TIME = r"(\d{1,2})\s*(?::\s*(\d{2})|時\s*(?:(\d{1,2})\s*分|(半))?)?"
_HOURS_RE = re.compile(rf"^{_TIME}\s*(?:[-~〜–—−ー]|から)\s*{_TIME}\s*(?:まで)?$")
HOURS_FORMS = "e.g. 9:00-17:00, 9:00～17:00 or 9時～17時"


def _hhmm(hour: str, minute: str | None, minute_ja: str | None, half: str | None) -> str:
    h = int(hour)
    m = 30 if half else int(minute or minute_ja or 0)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(f"{hour}:{m:02d} is not a time of day; expected {HOURS_FORMS}")
    return f"{h:02d}:{m:02d}"


def parse_hours(text: str) -> tuple[str, str]:
    """Opening hours as typed -> ("09:00", "17:00"); the close must be after the open."""
    cleaned = nfkc(text)
    m = _HOURS_RE.match(cleaned)
    if m is None:
        raise ValueError(f"not opening hours: {cleaned!r}; expected {HOURS_FORMS}")
    g = m.groups()
    opens, closes = _hhmm(*g[:4]), _hhmm(*g[4:])
    if closes <= opens:
        raise ValueError(f"closes ({closes}) is not after opens ({opens}); no hours past midnight")
    return opens, closes


def format_hours(opens_at: str | None, closes_at: str | None) -> str | None:
    """The stored pair as one cell, "09:00-17:00"; None when neither is set."""
    if opens_at is None and closes_at is None:
        return None
    return f"{opens_at or '00:00'}-{closes_at or '24:00'}"


def seconds_of(hhmm: str) -> int:
    """ "09:30" -> 34200; "24:00" is the end of the day."""
    m = re.fullmatch(r"(\d{2}):(\d{2})", hhmm)
    if m is None or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ValueError(f"time {hhmm!r}: expected HH:MM")
    return min(int(m.group(1)) * 3600 + int(m.group(2)) * 60, DAY_SECONDS)


def account_window(
    day: date, closed_weekdays: str | None, opens_at: str | None, closes_at: str | None
) -> tuple[int, int] | None:
    """None when the account is closed on `day`'s weekday; else its opening window
    in seconds since midnight. Missing hours mean open all day, (0, 86400)."""
    if day.weekday() in closed_weekday_set(closed_weekdays):
        return None
    start = seconds_of(opens_at) if opens_at else 0
    end = seconds_of(closes_at) if closes_at else DAY_SECONDS
    return start, end
