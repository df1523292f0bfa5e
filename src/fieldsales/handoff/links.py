"""Google Maps directions links, split into legs a phone can open, and QR codes.

Google Maps URLs accept at most 9 waypoints between origin and destination on
a desktop browser and 3 on mobile browsers (platform limits, not method
numbers); a longer route becomes consecutive links, each starting where the
previous one ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from fieldsales.planning.planned_day import PlannedDay

DESKTOP_WAYPOINTS = 9
MOBILE_WAYPOINTS = 3
BASE = "https://www.google.com/maps/dir/?"


def _ll(p: tuple[float, float]) -> str:
    return f"{p[0]:.6f},{p[1]:.6f}"


def split_legs(
    points: Sequence[tuple[float, float]], max_waypoints: int
) -> list[list[tuple[float, float]]]:
    """Consecutive chunks of at most max_waypoints + 2 points, sharing their ends."""
    if len(points) < 2:
        return []
    step = max_waypoints + 1
    return [list(points[i : i + step + 1]) for i in range(0, len(points) - 1, step)]


def directions_links(points: Sequence[tuple[float, float]], *, mobile: bool = False) -> list[str]:
    """Links for the whole route start -> stops -> end, in order."""
    limit = MOBILE_WAYPOINTS if mobile else DESKTOP_WAYPOINTS
    links = []
    for leg in split_legs(points, limit):
        params = {
            "api": "1",
            "origin": _ll(leg[0]),
            "destination": _ll(leg[-1]),
            "travelmode": "driving",
        }
        if len(leg) > 2:
            params["waypoints"] = "|".join(_ll(p) for p in leg[1:-1])
        links.append(BASE + urlencode(params, safe=",|"))
    return links


def qr_svg(data: str) -> str:
    """An inline SVG QR code (segno), for the HTML sheet."""
    import segno

    return str(segno.make(data, error="m").svg_inline(scale=3))


def qr_text(data: str) -> str:
    """The QR code as terminal text (two modules a character, for the app)."""
    import io

    import segno

    buf = io.StringIO()
    segno.make(data, error="l").terminal(out=buf, compact=True, border=1)
    return buf.getvalue()


def route_points(pd: PlannedDay) -> list[tuple[float, float]]:
    """Start, the stops in order, end: the points the directions links follow."""
    p = pd.plan
    pts = [(p.start.lat, p.start.lon)]
    pts += [
        (pd.accounts[s.account_id].lat or 0.0, pd.accounts[s.account_id].lon or 0.0)
        for s in p.stops
    ]
    return [*pts, (p.end.lat, p.end.lon)]


def route_links(pd: PlannedDay, *, mobile: bool = False) -> list[str]:
    """The planned day's directions links (a phone opens at most 3 waypoints a link)."""
    return directions_links(route_points(pd), mobile=mobile)
