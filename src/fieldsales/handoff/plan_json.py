"""The plan as JSON-ready data (`plan --json`, the .json hand-off file)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldsales.config import Settings
    from fieldsales.planning.planned_day import PlannedDay


def plan_json(pd: PlannedDay, settings: Settings | None = None) -> dict[str, Any]:
    """The plan as JSON-ready data: start, end, stops with lat/lon and ISO 8601 times,
    each stop's expected value and why it is in the plan, and the day's call list
    (with its talk script when `settings` are given)."""
    from fieldsales.planning.calls import phone_script
    from fieldsales.planning.planned_day import local_dt
    from fieldsales.planning.text import call_why, stop_why

    p = pd.plan
    day = p.day
    zone = settings.zone() if settings is not None else None
    yen = pd.model.cost_per_km > 0 or not pd.model.visit_fit

    def iso(s: int) -> str:
        return local_dt(day, s, zone).isoformat()

    stops = []
    for i, s in enumerate(p.stops, 1):
        a = pd.accounts[s.account_id]
        stops.append(
            {
                "seq": i,
                "account_id": a.id,
                "external_id": a.external_id,
                "company": a.company,
                "address": a.address,
                "lat": a.lat,
                "lon": a.lon,
                "rank": a.rank,
                "arrival": iso(s.start_s),
                "reached": iso(s.arrival_s),
                "departure": iso(s.departure_s),
                "leg_km": round(s.leg_km, 2),
                "leg_minutes": round(s.leg_s / 60),
                "score": round(a.total, 1),
                "expected_value": round(s.base_value) if yen else None,
                "collected_value": round(s.value, 1),
                "why": stop_why(pd, s.account_id),
                "in_window": s.in_window,
                "pinned": s.pinned,
            }
        )
    calls = []
    for i, c in enumerate(pd.calls, 1):
        a = pd.accounts[c.account_id]
        call: dict[str, Any] = {
            "seq": i,
            "account_id": a.id,
            "external_id": a.external_id,
            "company": a.company,
            "contact": a.contact_name,
            "phone": a.phone,
            "rank": a.rank,
            "time": iso(c.slot_s),
            "expected_value": round(c.value) if yen else None,
            "score": round(a.total, 1),
            "why": call_why(pd, c),
        }
        if settings is not None:
            call["script"] = phone_script(a, settings, day)
        calls.append(call)
    return {
        "date": day.isoformat(),
        "start": {
            "label": p.start.label,
            "lat": p.start.lat,
            "lon": p.start.lon,
            "departure": iso(p.depart_s),
        },
        "end": {
            "label": p.end.label,
            "lat": p.end.lat,
            "lon": p.end.lon,
            "arrival": iso(p.return_s),
            "leg_km": round(p.last_leg_km, 2),
            "leg_minutes": round(p.last_leg_s / 60),
        },
        "lunch": None if p.lunch is None else {"start": iso(p.lunch[0]), "end": iso(p.lunch[1])},
        "stops": stops,
        "calls": calls,
        "totals": {
            "km": round(p.km, 2),
            "drive_minutes": round(p.drive_s / 60),
            "idle_minutes": round(p.idle_s / 60),
            "value_unit": "yen" if yen else "score",
            "collected_value": round(p.score, 1),
            "travel_cost": round(p.travel_cost),
            "net_value": round(p.objective, 1),
            "calls": len(pd.calls),
            "candidates": len(pd.model.candidates) + len(pd.model.pins),
            "excluded": len(pd.excluded),
        },
        "roi": {
            "expected_revenue": pd.roi.expected_revenue,
            "gross_profit": pd.roi.gross_profit,
            "cost": pd.roi.cost,
            "roi_pct": None if pd.roi.roi_pct is None else round(pd.roi.roi_pct, 1),
        },
    }
