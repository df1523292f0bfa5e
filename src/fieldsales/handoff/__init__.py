"""Hand-off to the field: day sheet (Markdown, HTML), ICS, GPX, directions, JSON.

Everything exported works offline; only the directions links need a network
when opened on the phone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales.handoff.links import directions_links
from fieldsales.handoff.sheet import DaySheet, SheetCall, SheetStop

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.config import Settings
    from fieldsales.services.planning import PlannedDay

HISTORY_LINES = 5  # the most recent events printed per stop; more does not fit a sheet


def plan_json(pd: PlannedDay, settings: Settings | None = None) -> dict[str, Any]:
    """The plan as JSON-ready data: start, end, stops with lat/lon and ISO 8601 times,
    each stop's expected value and why it is in the plan, and the day's call list
    (with its talk script when `settings` are given)."""
    from fieldsales.services.planning import local_dt
    from fieldsales.services.planning_model import call_why, stop_why

    p = pd.plan
    day = p.day
    yen = pd.model.cost_per_km > 0 or not pd.model.visit_fit

    def iso(s: int) -> str:
        return local_dt(day, s).isoformat()

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


def phone_script(a: Any, settings: Settings, day: Any) -> str:
    """The phone talk script for the account's main dormancy reason (METHOD section 5)."""
    from fieldsales.domain.scripts import ScriptFacts, load_scripts, scripts_path

    facts = ScriptFacts(
        a.company, a.site, a.contact_name, a.last_order_date, a.last_product, settings.rep_name()
    )
    scripts = load_scripts(scripts_path())
    return scripts.render(a.main_reason, facts, settings.language, day).phone_script


def route_points(pd: PlannedDay) -> list[tuple[float, float]]:
    p = pd.plan
    pts = [(p.start.lat, p.start.lon)]
    pts += [
        (pd.accounts[s.account_id].lat or 0.0, pd.accounts[s.account_id].lon or 0.0)
        for s in p.stops
    ]
    return [*pts, (p.end.lat, p.end.lon)]


def roi_line(pd: PlannedDay, lang: str = "en") -> str:
    from fieldsales.tui.i18n import tr  # plain dicts; the app's one translation table

    r = pd.roi
    pct = tr("plan.roi_na", lang) if r.roi_pct is None else f"{r.roi_pct:.0f}%"
    return tr(
        "plan.roi",
        lang,
        pct=pct,
        revenue=f"{r.expected_revenue:,}",
        profit=f"{r.gross_profit:,}",
        cost=f"{r.cost:,}",
    )


def build_sheet(
    pd: PlannedDay, settings: Settings, engine: Engine | None = None, *, mobile: bool = False
) -> DaySheet:
    from fieldsales.domain.routing import hhmm
    from fieldsales.domain.scripts import ScriptFacts, load_scripts, scripts_path
    from fieldsales.domain.vocab import label
    from fieldsales.services.planning_model import call_why, stop_why, value_text
    from fieldsales.tui.i18n import tr

    lang = settings.language

    scripts = load_scripts(scripts_path())
    p = pd.plan
    stops = []
    for i, s in enumerate(p.stops, 1):
        a = pd.accounts[s.account_id]
        facts = ScriptFacts(
            a.company,
            a.site,
            a.contact_name,
            a.last_order_date,
            a.last_product,
            settings.rep_name(),
        )
        script = scripts.render(a.main_reason, facts, settings.language, p.day).visit_opener
        stops.append(
            SheetStop(
                seq=i,
                arrival=hhmm(s.start_s),
                departure=hhmm(s.departure_s),
                company=a.company + (f" {a.site}" if a.site else ""),
                address=" ".join(
                    x
                    for x in (a.prefecture, a.city, a.address)
                    if x and not (a.address and x in a.address)
                )
                or "-",
                contact=a.contact_name or "-",
                phone=a.phone or "-",
                stage=label(a.stage, lang),
                reason=label(a.main_reason, lang),
                rank=a.rank,
                score=a.total,
                leg_km=s.leg_km,
                leg_minutes=round(s.leg_s / 60),
                in_window=s.in_window,
                pinned=s.pinned,
                talk_script=script,
                history=_history(engine, a.id, lang),
                lat=a.lat or 0.0,
                lon=a.lon or 0.0,
                value=value_text(pd, s.value),
                why=stop_why(pd, s.account_id),
            )
        )
    calls = tuple(
        SheetCall(
            seq=i,
            time=hhmm(c.slot_s),
            company=pd.accounts[c.account_id].company,
            contact=pd.accounts[c.account_id].contact_name or "-",
            phone=pd.accounts[c.account_id].phone or "-",
            rank=pd.accounts[c.account_id].rank,
            value=value_text(pd, c.value),
            why=call_why(pd, c),
            talk_script=phone_script(pd.accounts[c.account_id], settings, p.day),
        )
        for i, c in enumerate(pd.calls, 1)
    )
    lunch = "-" if p.lunch is None else f"{hhmm(p.lunch[0])}-{hhmm(p.lunch[1])}"
    return DaySheet(
        title=tr("sheet.title", lang, rep=settings.rep_name()),
        day=p.day.isoformat(),
        start=p.start.label,
        end=p.end.label,
        depart=hhmm(p.depart_s),
        back=hhmm(p.return_s),
        lunch=lunch,
        km=p.km,
        drive_minutes=round(p.drive_s / 60),
        idle_minutes=round(p.idle_s / 60),
        score=p.score,
        roi_line=roi_line(pd, lang),
        stops=tuple(stops),
        links=tuple(directions_links(route_points(pd), mobile=mobile)),
        lang=lang,
        calls=calls,
        value=value_text(pd, p.score),
    )


def _history(engine: Engine | None, account_id: str, lang: str = "en") -> tuple[str, ...]:
    if engine is None:
        return ()
    from fieldsales.services.outcomes import account_history
    from fieldsales.tui.i18n import tr

    lines = []
    for e in account_history(engine, account_id)[:HISTORY_LINES]:
        if e.kind == "outcome":
            what = f"{tr(f'ch.{e.channel}', lang)}: {tr(f'res.{e.result}', lang)}"
            if e.next_action:
                what += f" → {e.next_action}"
        else:
            what = tr(f"sheet.kind.{e.kind}", lang) + (f": {e.notes}" if e.notes else "")
        lines.append(f"{e.day.isoformat()} {what}")
    return tuple(lines)


def export_day(
    pd: PlannedDay, settings: Settings, out_dir: Path, engine: Engine | None = None
) -> list[Path]:
    """Write day sheet (.md, .html), .ics, .gpx and .json into out_dir; returns the files."""
    import json

    from fieldsales.files import atomic_write
    from fieldsales.handoff.calendar_gpx import Visit, to_gpx, to_ics
    from fieldsales.handoff.links import qr_svg
    from fieldsales.handoff.sheet import to_html, to_markdown
    from fieldsales.services.planning import local_dt

    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = build_sheet(pd, settings, engine)
    mobile_links = directions_links(route_points(pd), mobile=True)
    stem = f"plan-{pd.plan.day.isoformat()}"
    visits = [
        Visit(
            uid=f"{pd.plan.day.isoformat()}-{st.account_id}@fieldsales",
            company=s.company,
            address=s.address,
            notes=f"Contact {s.contact} Tel {s.phone}\n{s.talk_script}",
            start=local_dt(pd.plan.day, st.start_s),
            end=local_dt(pd.plan.day, st.departure_s),
            lat=s.lat,
            lon=s.lon,
        )
        for s, st in zip(sheet.stops, pd.plan.stops, strict=True)
    ]
    p = pd.plan
    files = {
        f"{stem}.md": to_markdown(sheet).encode(),
        f"{stem}.html": to_html(sheet, tuple((u, qr_svg(u)) for u in mobile_links)).encode(),
        f"{stem}.ics": to_ics(visits, calendar_name=sheet.title),
        f"{stem}.gpx": to_gpx(
            sheet.title,
            (p.start.label, p.start.lat, p.start.lon),
            (p.end.label, p.end.lat, p.end.lon),
            visits,
        ).encode(),
        f"{stem}.json": json.dumps(plan_json(pd, settings), ensure_ascii=False, indent=2).encode(),
    }
    written = []
    for name, data in files.items():
        path = out_dir / name
        with atomic_write(path) as fh:
            fh.write(data)
        written.append(path)
    return written
