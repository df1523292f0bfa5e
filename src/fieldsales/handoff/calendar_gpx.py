"""ICS (icalendar) with one event per visit, and GPX (gpxpy) with waypoints and the route.

Times are in the configured zone (config `timezone`), whatever the computer's
own zone: the ICS file carries the zone's VTIMEZONE so every calendar shows a
09:04 visit at 09:04 in Tokyo. Text arrives cleaned (handoff.clean) and is
cleaned again here, so no control character can make either file invalid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
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


def visits(pd: PlannedDay, sheet: DaySheet, zone: tzinfo | None = None) -> list[Visit]:
    """One calendar visit per stop: the sheet's words, the plan's times in `zone`."""
    from fieldsales.planning.planned_day import local_dt

    day = pd.plan.day
    return [
        Visit(
            uid=f"{day.isoformat()}-{st.account_id}@fieldsales",
            company=s.company,
            address=s.address,
            notes=f"Contact {s.contact} Tel {s.phone}\n{s.talk_script}",
            start=local_dt(day, st.start_s, zone),
            end=local_dt(day, st.departure_s, zone),
            lat=s.lat,
            lon=s.lon,
        )
        for s, st in zip(sheet.stops, pd.plan.stops, strict=True)
    ]


def to_ics(visits: Sequence[Visit], *, calendar_name: str, stamp: datetime | None = None) -> bytes:
    """The visits as events; DTSTAMP is `stamp` (default: now, the time of export)."""
    from icalendar import Calendar, Event, vGeo

    from fieldsales.handoff.clean import printable

    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", "-//fieldsales//route plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", printable(calendar_name))
    for v in visits:
        ev = Event()
        ev.add("uid", printable(v.uid))
        ev.add("summary", printable(f"Visit: {v.company}"))
        ev.add("dtstart", v.start)
        ev.add("dtend", v.end)
        ev.add("dtstamp", stamp)
        ev.add("location", printable(v.address))
        ev.add("description", printable(v.notes))
        ev.add("geo", vGeo((v.lat, v.lon)))
        cal.add_component(ev)
    if visits:
        first, last = min(v.start for v in visits), max(v.end for v in visits)
        cal.add_missing_timezones(first.date(), last.date() + timedelta(days=1))
    return bytes(cal.to_ical())


def to_gpx(
    name: str,
    start: tuple[str, float, float],
    end: tuple[str, float, float],
    visits: Sequence[Visit],
) -> str:
    import gpxpy.gpx

    from fieldsales.handoff.clean import printable as p

    name = p(name)
    start, end = (p(start[0]), *start[1:]), (p(end[0]), *end[1:])
    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    route = gpxpy.gpx.GPXRoute(name=name)
    label, lat, lon = start
    route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=label))
    for i, v in enumerate(visits, 1):
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                v.lat, v.lon, name=p(f"{i}. {v.company}"), description=p(v.address), time=v.start
            )
        )
        route.points.append(gpxpy.gpx.GPXRoutePoint(v.lat, v.lon, name=p(f"{i}. {v.company}")))
    label, lat, lon = end
    route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=label))
    gpx.routes.append(route)
    return str(gpx.to_xml())
