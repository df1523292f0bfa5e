"""The working day of docs/method.md#visiting as a model: one rep's day, its candidates, and the planned day.

Pure code: plain dataclasses in, plain dataclasses out. Time is integer
seconds since local midnight of the plan's day (engines only take integers).
The engines (planning.engines) only propose which accounts to visit and in
which order; planning.schedule turns that order into times (a DayPlan), and
planning.check verifies every plan before anybody sees it.

Nodes of the travel matrix: 0 = start, 1 = end, then pins, then candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Protocol

from fieldsales.config import Settings
from fieldsales.errors import UserError
from fieldsales.geo.matrix import TravelMatrix, travel_matrix

START, END = 0, 1


class PlanError(UserError, ValueError):
    """A day that cannot be planned as asked; the message says why."""

    title = "Cannot plan"


def seconds_of(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def hhmm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


@dataclass(frozen=True)
class Place:
    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Candidate:
    """An account that may be visited.

    `value` is what a visit is worth before soft windows and the weekday:
    expected gross profit in yen (visits.objective: expected_profit) or the
    priority score (objective: score). `window` is the account's own opening
    hours that day (a hard window on the visit); `why` says what made it a
    candidate (domain.channels: the rank's fit, or the reason that let a △ in).
    """

    account_id: str
    lat: float
    lon: float
    value: float
    duration_s: int
    rank: str = "D"
    why: str = "fit"
    window: tuple[int, int] | None = None


@dataclass(frozen=True)
class Pin:
    """A fixed appointment (or a locked stop): always kept, starts exactly at start_s."""

    account_id: str
    lat: float
    lon: float
    start_s: int
    duration_s: int
    value: float = 0.0


@dataclass(frozen=True)
class DayModel:
    day: date
    start: Place
    end: Place
    work_start_s: int
    work_end_s: int
    lunch_s: int
    lunch_window: tuple[int, int]
    best_windows: tuple[tuple[int, int], ...]
    windows_hard: bool
    outside_factor: float
    day_factor: float  # value kept on this weekday (1.0 on a best weekday)
    detour_factor: float
    speed_kmh: float
    candidates: tuple[Candidate, ...] = ()
    pins: tuple[Pin, ...] = ()
    max_stops: int | None = None
    excluded_ids: frozenset[str] = field(default_factory=frozenset)
    cost_per_km: float = 0.0  # yen per road km; the plan's value is net of it
    # rank -> visit fit (domain.channels); empty: not checked (models built by hand)
    visit_fit: tuple[tuple[str, str], ...] = ()
    near_stop_km: float = 0.0  # a "near_stop" candidate must be this close to another stop

    def points(self) -> list[tuple[float, float]]:
        pts = [(self.start.lat, self.start.lon), (self.end.lat, self.end.lon)]
        pts += [(p.lat, p.lon) for p in self.pins]
        pts += [(c.lat, c.lon) for c in self.candidates]
        return pts

    def matrix(self) -> TravelMatrix:
        return travel_matrix(
            self.points(), detour_factor=self.detour_factor, speed_kmh=self.speed_kmh
        )

    def pin_node(self, i: int) -> int:
        return 2 + i

    def cand_node(self, i: int) -> int:
        return 2 + len(self.pins) + i

    def windows_for(
        self, duration_s: int, window: tuple[int, int] | None = None
    ) -> list[tuple[int, int]]:
        """Allowed ranges of a visit's START: it must end inside the window too.

        `window` is the account's opening hours (always hard)."""
        if not self.windows_hard:
            spans = [(self.work_start_s, self.work_end_s)]
        else:
            spans = list(self.best_windows)
        if window is not None:
            spans = [(max(o, window[0]), min(c, window[1])) for o, c in spans]
        return [(o, c - duration_s) for o, c in spans if c - duration_s >= o]

    def in_best_window(self, start_s: int, duration_s: int) -> bool:
        return any(o <= start_s <= c - duration_s for o, c in self.best_windows)

    def collected(self, value: float, start_s: int, duration_s: int) -> float:
        """What a visit is worth at that time: soft windows and off days cost value."""
        factor = self.day_factor
        if not self.in_best_window(start_s, duration_s):
            factor *= self.outside_factor
        return value * factor


class AccountFacts(Protocol):
    """What exclusion needs of an account (services.rank.RankedAccount fits)."""

    id: str
    lat: float | None
    lon: float | None
    geo_precision: str
    do_not_contact: bool
    last_contact: date | None
    paused_until: date | None


def exclusion_reason(acc: AccountFacts, day: date, settings: Settings) -> str | None:
    """Why an account may not be visited on `day` (docs/method.md#care-points), or None."""
    v = settings.visits
    if acc.do_not_contact:
        return "do not contact"
    if acc.paused_until is not None and acc.paused_until > day:
        return f"paused until {acc.paused_until.isoformat()}"
    if acc.last_contact is not None and (day - acc.last_contact).days < v.min_gap_days:
        return f"contacted {acc.last_contact.isoformat()} (gap {v.min_gap_days} days)"
    if acc.lat is None or acc.lon is None or acc.geo_precision == "none":
        return "no location"
    if v.exclude_approximate and acc.geo_precision in ("town", "city"):
        return f"located only to {acc.geo_precision}"
    return None


def duration_for(rank: str, settings: Settings) -> int:
    v = settings.visits
    return int(v.duration_by_rank.get(rank, v.duration_minutes)) * 60  # type: ignore[call-overload]


def base_model(
    settings: Settings,
    day: date,
    start: Place,
    end: Place,
    *,
    candidates: Sequence[Candidate] = (),
    pins: Sequence[Pin] = (),
    max_stops: int | None = None,
    earliest_s: int | None = None,
    excluded_ids: frozenset[str] = frozenset(),
) -> DayModel:
    """The day of docs/method.md#visiting with every number taken from config."""
    v, t = settings.visits, settings.travel
    work_start = seconds_of(v.work_start)
    if earliest_s is not None:  # re-planning from here: the day starts now
        work_start = max(work_start, earliest_s)
    best_day = day.weekday() in v.best_weekdays
    return DayModel(
        day=day,
        start=start,
        end=end,
        work_start_s=work_start,
        work_end_s=seconds_of(v.work_end),
        lunch_s=v.lunch_minutes * 60,
        lunch_window=(seconds_of(v.lunch_window[0]), seconds_of(v.lunch_window[1])),
        best_windows=tuple((seconds_of(a), seconds_of(b)) for a, b in v.best_windows),
        windows_hard=v.windows_hard,
        outside_factor=v.outside_window_factor,
        day_factor=1.0 if best_day else v.off_day_factor,
        detour_factor=t.detour_factor,
        speed_kmh=t.speed_kmh,
        candidates=tuple(candidates),
        pins=tuple(sorted(pins, key=lambda p: p.start_s)),
        max_stops=max_stops,
        excluded_ids=excluded_ids,
    )


def lunch_needed(model: DayModel) -> bool:
    """Lunch is taken only if the remaining day still overlaps its window."""
    return model.lunch_s > 0 and model.work_start_s <= model.lunch_window[1] - model.lunch_s


@dataclass(frozen=True)
class Stop:
    account_id: str
    arrival_s: int  # reaches the place
    start_s: int  # visit begins (after any wait)
    departure_s: int
    leg_km: float  # from the previous place
    leg_s: int
    base_value: float
    value: float  # collected: soft windows and off days applied
    in_window: bool
    pinned: bool = False


@dataclass(frozen=True)
class DayPlan:
    day: date
    start: Place
    end: Place
    depart_s: int
    return_s: int
    last_leg_km: float
    last_leg_s: int
    stops: tuple[Stop, ...]
    lunch: tuple[int, int] | None
    cost_per_km: float = 0.0

    @property
    def travel_cost(self) -> float:
        return self.cost_per_km * self.km

    @property
    def objective(self) -> float:
        """What the planner maximises: value collected minus travel cost."""
        return self.score - self.travel_cost

    @property
    def km(self) -> float:
        return sum(s.leg_km for s in self.stops) + self.last_leg_km

    @property
    def drive_s(self) -> int:
        return sum(s.leg_s for s in self.stops) + self.last_leg_s

    @property
    def score(self) -> float:
        return sum(s.value for s in self.stops)

    @property
    def idle_s(self) -> int:
        """Time neither driving, visiting nor at lunch, between leaving and returning."""
        busy = self.drive_s + sum(s.departure_s - s.start_s for s in self.stops)
        if self.lunch:
            busy += self.lunch[1] - self.lunch[0]
        return max(0, self.return_s - self.depart_s - busy)
