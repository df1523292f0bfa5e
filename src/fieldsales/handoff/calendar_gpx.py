"""ICS (icalendar) with one event per visit, and GPX (gpxpy) with waypoints and the route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldsales.handoff.sheet import DaySheet
    from fieldsales.planning.planned_day import PlannedDay


@dataclass(frozen=True)
class Visit:
    uid: str  # stable: the same plan exported twice updates, not duplicates, events
    company: str
    address: str
    notes: str
    start: datetime  # aware
    end: datetime
    lat: float
    lon: float


def visits(pd: PlannedDay, sheet: DaySheet) -> list[Visit]:
    """One calendar visit per stop: the sheet's words, the plan's times."""
    from fieldsales.planning.planned_day import local_dt

    day = pd.plan.day
    return [
        Visit(
            uid=f"{day.isoformat()}-{st.account_id}@fieldsales",
            company=s.company,
            address=s.address,
            notes=f"Contact {s.contact} Tel {s.phone}\n{s.talk_script}",
            start=local_dt(day, st.start_s),
            end=local_dt(day, st.departure_s),
            lat=s.lat,
            lon=s.lon,
        )
        for s, st in zip(sheet.stops, pd.plan.stops, strict=True)
    ]


def to_ics(visits: Sequence[Visit], *, calendar_name: str) -> bytes:
    from icalendar import Calendar, Event, vGeo

    cal = Calendar()
    cal.add("prodid", "-//fieldsales//route plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    for v in visits:
        ev = Event()
        ev.add("uid", v.uid)
        ev.add("summary", f"Visit: {v.company}")
        ev.add("dtstart", v.start)
        ev.add("dtend", v.end)
        ev.add("dtstamp", v.start)
        ev.add("location", v.address)
        ev.add("description", v.notes)
        ev.add("geo", vGeo((v.lat, v.lon)))
        cal.add_component(ev)
    return bytes(cal.to_ical())


def to_gpx(
    name: str,
    start: tuple[str, float, float],
    end: tuple[str, float, float],
    visits: Sequence[Visit],
) -> str:
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    route = gpxpy.gpx.GPXRoute(name=name)
    label, lat, lon = start
    route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=label))
    for i, v in enumerate(visits, 1):
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                v.lat, v.lon, name=f"{i}. {v.company}", description=v.address, time=v.start
            )
        )
        route.points.append(gpxpy.gpx.GPXRoutePoint(v.lat, v.lon, name=f"{i}. {v.company}"))
    label, lat, lon = end
    route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=label))
    gpx.routes.append(route)
    return str(gpx.to_xml())
