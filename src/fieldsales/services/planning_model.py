"""The planning model: requests, planned days and the day model built from the ranking.

Shared by the use cases (services.planning), plan editing
(services.planning_edit) and saving (services.planning_store).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain.optimise import plan_model
from fieldsales.domain.roi import DayRoi, VisitEconomics, planned_roi
from fieldsales.domain.routing import (
    Candidate,
    DayModel,
    DayPlan,
    Pin,
    Place,
    PlanError,
    base_model,
    duration_for,
    exclusion_reason,
    hhmm,
)
from fieldsales.domain.solver import SolveFn
from fieldsales.services.rank import RankedAccount, RankFilter, rank_accounts, resolve_origin


@dataclass(frozen=True)
class PinRequest:
    """A fixed appointment asked for by the rep: account id/external id at HH:MM."""

    account: str
    at: time


@dataclass
class PlannedDay:
    model: DayModel
    plan: DayPlan
    accounts: dict[str, RankedAccount]  # every account the model knows, by id
    excluded: dict[str, str]  # account id -> reason
    roi: DayRoi
    locked: set[str] = field(default_factory=set)
    route_id: str | None = None

    def account(self, account_id: str) -> RankedAccount:
        return self.accounts[account_id]


def local_dt(day: date, seconds: int) -> datetime:
    """Seconds since local midnight -> aware local datetime (shown) ..."""
    return (datetime.combine(day, time(0)) + timedelta(seconds=seconds)).astimezone()


def place_of(spec: str | None, engine: Engine, settings: Settings) -> Place:
    label, lat, lon = resolve_origin(spec, engine, settings)
    return Place(label, lat, lon)


def day_roi(plan: DayPlan, accounts: dict[str, RankedAccount], settings: Settings) -> DayRoi:
    visits = [
        VisitEconomics(
            accounts[s.account_id].rank,
            accounts[s.account_id].average_order,
            accounts[s.account_id].gross_margin,
        )
        for s in plan.stops
    ]
    return planned_roi(visits, plan.km, settings.roi)


def eligible(
    ranked: Sequence[RankedAccount], day: date, settings: Settings
) -> tuple[list[RankedAccount], dict[str, str]]:
    """Split ranked accounts into visitable ones and the excluded with their reason."""
    ok: list[RankedAccount] = []
    excluded: dict[str, str] = {}
    stages = set(settings.visits.plan_stages)
    for a in ranked:
        why = exclusion_reason(a, day, settings)
        if why is None and a.stage not in stages:
            why = f"stage {a.stage}"
        if why is None:
            ok.append(a)
        else:
            excluded[a.id] = why
    return ok, excluded


def find_account(ref: str, ranked: Sequence[RankedAccount]) -> RankedAccount:
    for a in ranked:
        if ref in (a.id, a.external_id):
            return a
    raise PlanError(f"{ref}: no such account")


def build_model(
    engine: Engine,
    settings: Settings,
    *,
    day: date,
    start: Place,
    end: Place,
    pins: Sequence[PinRequest] = (),
    max_stops: int | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    within_km: float | None = None,
    earliest_s: int | None = None,
    ranked: Sequence[RankedAccount] | None = None,
) -> tuple[DayModel, dict[str, RankedAccount], dict[str, str]]:
    if ranked is None:
        ranked = rank_accounts(
            engine,
            settings,
            origin=(start.lat, start.lon),
            filters=RankFilter(show_all=True),
            today=day,
        )
    ok, excluded = eligible(ranked, day, settings)
    pin_objs: list[Pin] = []
    pinned: set[str] = set()
    for req in pins:
        acc = find_account(req.account, ranked)
        if acc.id in excluded:
            raise PlanError(f"{acc.company}: cannot pin, {excluded[acc.id]}")
        at = req.at.hour * 3600 + req.at.minute * 60
        pin_objs.append(
            Pin(
                acc.id,
                acc.lat or 0.0,
                acc.lon or 0.0,
                at,
                duration_for(acc.rank, settings),
                acc.score.total,
            )
        )
        pinned.add(acc.id)
    cands = [
        Candidate(
            a.id, a.lat or 0.0, a.lon or 0.0, a.score.total, duration_for(a.rank, settings), a.rank
        )
        for a in ok
        if a.id not in pinned
        and a.id not in skip
        and (within_km is None or (a.distance_km is not None and a.distance_km <= within_km))
    ]
    model = base_model(
        settings,
        day,
        start,
        end,
        candidates=cands,
        pins=pin_objs,
        max_stops=max_stops,
        earliest_s=earliest_s,
        excluded_ids=frozenset(excluded),
    )
    return model, {a.id: a for a in ranked}, excluded


def solve_model(model: DayModel, settings: Settings, solve: SolveFn | None) -> DayPlan:
    v = settings.visits
    return plan_model(
        model, timeout_s=v.solver_seconds, exploration=v.solver_exploration, solve=solve
    )


def working_days(first: date, n: int, settings: Settings) -> list[date]:
    if not settings.visits.work_weekdays:
        raise PlanError("no working weekdays configured (visits.work_weekdays)")
    out: list[date] = []
    d = first
    while len(out) < n:
        if d.weekday() in settings.visits.work_weekdays:
            out.append(d)
        d += timedelta(days=1)
    return out


def next_working_day(today: date, settings: Settings) -> date:
    """Today if it is a working day (config visits.work_weekdays), else the next one.

    A rep planning on a Sunday evening means Monday, not Sunday.
    """
    if not settings.visits.work_weekdays:
        return today
    return working_days(today, 1, settings)[0]


STOP_COLUMNS = ("#", "time", "company", "rank", "km", "min", "window", "score")


def stop_cells(planned: PlannedDay, short: bool = False) -> list[list[str]]:
    """The stop table's cells (STOP_COLUMNS), shared by `fieldsales plan` and the Plan screen."""
    cells = []
    for i, s in enumerate(planned.plan.stops, 1):
        a = planned.accounts[s.account_id]
        appointment = "appt" if short else "appointment"
        fit = appointment if s.pinned else ("best" if s.in_window else "outside")
        cells.append(
            [
                str(i),
                f"{hhmm(s.start_s)}-{hhmm(s.departure_s)}",
                a.company,
                a.rank,
                f"{s.leg_km:.1f}",
                str(round(s.leg_s / 60)),
                fit,
                f"{s.value:.0f}",
            ]
        )
    return cells
