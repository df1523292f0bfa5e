"""Reopening a saved day: the latest saved route of a day back into a PlannedDay.

The day model is rebuilt the normal way (planning.candidates.build_model)
and the saved order is re-timed with planning.schedule, so a reopened
plan has passed the same checker as a new one. Fixed appointments come back
as pins at their saved time, locks and done/skipped marks come back as they
were saved. A saved stop that no longer fits the day (the account was
excluded since, or the order does not fit any more) is left out and said so
in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import TYPE_CHECKING

from fieldsales.config import Settings
from fieldsales.planning.candidates import build_model, rank_for_planning
from fieldsales.planning.check import verify
from fieldsales.planning.day_model import DayModel, DayPlan, Place, PlanError
from fieldsales.planning.planned_day import PinRequest, PlannedDay, day_roi
from fieldsales.planning.schedule import schedule
from fieldsales.services.rank_table import RankTable
from fieldsales.store import unit
from fieldsales.store.routes import latest_route

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass
class ReopenedDay:
    planned: PlannedDay
    status: dict[str, str] = field(default_factory=dict)  # account id -> done|skipped
    left_out: list[str] = field(default_factory=list)  # companies that no longer fit


def reopen_day(
    engine: Engine, settings: Settings, *, day: date, ranked: RankTable | None = None
) -> ReopenedDay | None:
    """The rep's latest saved plan of `day`, or None when nothing was saved for it.

    `ranked`: a ranking already at hand (the app's), so that nothing is ranked twice.
    """
    zone = settings.zone()
    with unit.reading(engine) as session:
        found = latest_route(session, rep=settings.rep_name(), day=day)
        if found is None:
            return None
        route, rows = found
        start = Place(route.start_label, route.start_lat, route.start_lon)
        end = Place(route.end_label, route.end_lat, route.end_lon)
        route_id = route.id
        stops = [
            # the plan's wall clock is in the configured zone (config `timezone`)
            (r.account_id, r.pinned, r.locked, r.status, r.planned_arrival.astimezone(zone))
            for r in rows
        ]
    saved_ids = {s[0] for s in stops}
    if ranked is None:
        ranked = rank_for_planning(engine, settings, (start.lat, start.lon), day)
    pins = [
        PinRequest(acc, time(at.hour, at.minute)) for acc, pinned, _l, _s, at in stops if pinned
    ]
    model, accounts, excluded = build_model(
        engine,
        settings,
        day=day,
        start=start,
        end=end,
        pins=pins,
        ranked=ranked,
        keep=saved_ids,
        # an appointment that can no longer be kept (do not contact since, ...)
        # is left out, and named below
        drop_blocked_pins=True,
    )
    known = {c.account_id for c in model.candidates} | {p.account_id for p in model.pins}
    order = [s[0] for s in stops if s[0] in known]
    left_out = [s[0] for s in stops if s[0] not in known]
    plan = _fit(model, order, left_out)
    kept = {s.account_id for s in plan.stops}
    planned = PlannedDay(
        model,
        plan,
        accounts,
        excluded,
        day_roi(plan, accounts, settings),
        locked={acc for acc, _p, locked, _s, _a in stops if locked and acc in kept},
        route_id=None if left_out else route_id,
    )
    status = {acc: st for acc, _p, _l, st, _a in stops if st != "planned" and acc in kept}
    index = ranked.base.id_index()
    names = [ranked.base.company[index[a]] if a in index else a for a in left_out]
    return ReopenedDay(planned, status, names)


def _fit(model: DayModel, order: list[str], left_out: list[str]) -> DayPlan:
    """The saved order re-timed; stops that no longer fit are dropped, pins always kept."""
    # travel only between the saved stops: the day's other candidates play no part
    # here, and a matrix over all of them grows with the square of the account base
    wanted = set(order)
    small = replace(model, candidates=tuple(c for c in model.candidates if c.account_id in wanted))
    m = small.matrix()
    try:
        return verify(model, schedule(small, order, m))
    except PlanError:
        pass
    pinned = {p.account_id for p in model.pins}
    kept = {a for a in order if a in pinned}
    for acc in order:
        if acc in pinned:
            continue
        try:
            schedule(small, [a for a in order if a in kept or a == acc], m)
        except PlanError:
            left_out.append(acc)
            continue
        kept.add(acc)
    return verify(model, schedule(small, [a for a in order if a in kept], m))
