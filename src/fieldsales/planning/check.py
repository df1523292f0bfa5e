"""The plan checker (pure): every plan is verified against the day model before it is shown.

It trusts nothing the solver or the scheduler computed: travel is recomputed
from the coordinates, and each rule of the working day (docs/method.md#visiting) is checked on its
own, so a bug anywhere upstream shows as a named violation instead of a rep
standing at a closed door.
"""

from __future__ import annotations

from collections.abc import Iterable

from fieldsales.geo.distance import haversine_km
from fieldsales.geo.matrix import travel_seconds
from fieldsales.planning.day_model import DayModel, DayPlan, hhmm, lunch_needed

KM_TOLERANCE = 0.01  # km; float noise between the matrix and a single distance


class PlanInvalid(AssertionError):
    """The plan breaks a rule of the model; the message lists every violation."""


def _travel(model: DayModel, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, int]:
    km = haversine_km(a[0], a[1], b[0], b[1]) * model.detour_factor
    return km, travel_seconds(km, model.speed_kmh)


def violations(model: DayModel, plan: DayPlan, *, forbidden: Iterable[str] = ()) -> list[str]:
    """Every broken rule, as one line each; an empty list means the plan is valid."""
    out: list[str] = []
    cands = {c.account_id: c for c in model.candidates}
    pins = {p.account_id: p for p in model.pins}
    banned = set(forbidden) | set(model.excluded_ids)

    if plan.start != model.start:
        out.append(f"starts at {plan.start.label}, not {model.start.label}")
    if plan.end != model.end:
        out.append(f"ends at {plan.end.label}, not {model.end.label}")
    if plan.day != model.day:
        out.append(f"planned for {plan.day}, not {model.day}")
    if plan.depart_s < model.work_start_s:
        out.append(f"leaves at {hhmm(plan.depart_s)}, before {hhmm(model.work_start_s)}")
    if plan.return_s > model.work_end_s:
        out.append(f"returns at {hhmm(plan.return_s)}, after {hhmm(model.work_end_s)}")

    seen: set[str] = set()
    for s in plan.stops:
        if s.account_id in seen:
            out.append(f"{s.account_id}: visited twice")
        seen.add(s.account_id)
        if s.account_id in banned:
            out.append(f"{s.account_id}: excluded account planned")
        if s.account_id not in cands and s.account_id not in pins:
            out.append(f"{s.account_id}: not a candidate of this day")
    for p in model.pins:
        stop = next((s for s in plan.stops if s.account_id == p.account_id), None)
        if stop is None:
            out.append(f"{p.account_id}: pinned appointment at {hhmm(p.start_s)} dropped")
        elif stop.start_s != p.start_s:
            out.append(
                f"{p.account_id}: pinned at {hhmm(p.start_s)} but planned {hhmm(stop.start_s)}"
            )
    if model.max_stops is not None and len(plan.stops) > max(model.max_stops, len(pins)):
        out.append(f"{len(plan.stops)} stops, more than the limit of {model.max_stops}")

    # the timeline: legs consistent with the travel model, visits whole and in order
    pos = (model.start.lat, model.start.lon)
    t = plan.depart_s
    gaps: list[tuple[int, int, int]] = []  # (free from, free until, driving in between)
    for s in plan.stops:
        if s.account_id in pins:
            where = (pins[s.account_id].lat, pins[s.account_id].lon)
            dur = pins[s.account_id].duration_s
        elif s.account_id in cands:
            where = (cands[s.account_id].lat, cands[s.account_id].lon)
            dur = cands[s.account_id].duration_s
        else:
            continue
        km, secs = _travel(model, pos, where)
        if abs(km - s.leg_km) > KM_TOLERANCE or secs != s.leg_s:
            out.append(
                f"{s.account_id}: leg {s.leg_km:.2f} km/{s.leg_s} s, model says {km:.2f}/{secs}"
            )
        if s.arrival_s < t + secs:
            out.append(f"{s.account_id}: arrives {hhmm(s.arrival_s)}, too early to be reachable")
        if s.start_s < s.arrival_s:
            out.append(f"{s.account_id}: starts before arriving")
        if s.departure_s - s.start_s != dur:
            out.append(f"{s.account_id}: visit lasts {s.departure_s - s.start_s} s, not {dur}")
        if s.account_id in cands and not any(
            o <= s.start_s <= c for o, c in model.windows_for(dur, cands[s.account_id].window)
        ):
            out.append(f"{s.account_id}: starts {hhmm(s.start_s)}, outside its allowed window")
        if s.in_window != model.in_best_window(s.start_s, dur):
            out.append(f"{s.account_id}: window fit flag wrong")
        if abs(s.value - model.collected(s.base_value, s.start_s, dur)) > 1e-6:
            out.append(f"{s.account_id}: collected value wrong")
        gaps.append((t, s.start_s, secs))
        t, pos = s.departure_s, where
    km, secs = _travel(model, pos, (model.end.lat, model.end.lon))
    if abs(km - plan.last_leg_km) > KM_TOLERANCE or secs != plan.last_leg_s:
        out.append(
            f"last leg {plan.last_leg_km:.2f} km/{plan.last_leg_s} s, model says {km:.2f}/{secs}"
        )
    if plan.return_s < t + secs:
        out.append(f"returns at {hhmm(plan.return_s)}, too early to be reachable")
    gaps.append((t, plan.return_s, secs))

    out += _lunch_violations(model, plan, gaps)
    out += _fit_violations(model, plan)
    return out


def _fit_violations(model: DayModel, plan: DayPlan) -> list[str]:
    """docs/method.md#channel-fit: no visit where the fit is ×, nor △ without its reason."""
    if not model.visit_fit:
        return []
    fit = dict(model.visit_fit)
    cands = {c.account_id: c for c in model.candidates}
    where = {c.account_id: (c.lat, c.lon) for c in model.candidates}
    where |= {p.account_id: (p.lat, p.lon) for p in model.pins}
    out = []
    for s in plan.stops:
        c = cands.get(s.account_id)
        if c is None or c.why == "kept":  # appointments and saved stops: the rep's decision
            continue
        f = fit.get(c.rank, "no")
        if f == "no":
            out.append(f"{s.account_id}: rank {c.rank} is never visited (channel fit ×)")
        elif f == "reason" and c.why == "fit":
            out.append(f"{s.account_id}: rank {c.rank} visited without a reason (channel fit △)")
        if c.why == "near_stop":
            near = any(
                haversine_km(c.lat, c.lon, *where[o.account_id]) <= model.near_stop_km + 1e-9
                for o in plan.stops
                if o.account_id != s.account_id
                and (o.account_id not in cands or cands[o.account_id].why != "near_stop")
            )
            if not near:
                out.append(
                    f"{s.account_id}: planned as near a stop, but none within "
                    f"{model.near_stop_km:g} km"
                )
    return out


def _lunch_violations(
    model: DayModel, plan: DayPlan, gaps: list[tuple[int, int, int]]
) -> list[str]:
    if not lunch_needed(model):
        return []
    if plan.lunch is None:
        return ["no lunch break planned"]
    ls, le = plan.lunch
    lw0, lw1 = model.lunch_window
    out = []
    if le - ls != model.lunch_s:
        out.append(f"lunch lasts {(le - ls) // 60} min, not {model.lunch_s // 60}")
    if ls < lw0 or le > lw1:
        out.append(f"lunch {hhmm(ls)}-{hhmm(le)} outside {hhmm(lw0)}-{hhmm(lw1)}")
    # lunch must sit in one gap between visits, leaving time to drive that leg
    if not any(a <= ls and le <= b and b - a >= drive + (le - ls) for a, b, drive in gaps):
        out.append(f"lunch {hhmm(ls)}-{hhmm(le)} overlaps a visit or leaves no time to drive")
    return out


def verify(model: DayModel, plan: DayPlan, *, forbidden: Iterable[str] = ()) -> DayPlan:
    """Return the plan if valid, else raise PlanInvalid naming every violation."""
    found = violations(model, plan, forbidden=forbidden)
    if found:
        raise PlanInvalid("; ".join(found))
    return plan
