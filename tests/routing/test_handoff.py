"""Directions links, ROI figures and the worker process."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlparse

from hypothesis import given
from hypothesis import strategies as st

from fieldsales.config import default_settings
from fieldsales.domain.roi import VisitEconomics, planned_roi
from fieldsales.handoff.links import directions_links, split_legs


@given(st.integers(2, 40), st.booleans())
def test_links_cover_the_route_within_waypoint_limits(n: int, mobile: bool) -> None:
    pts = [(35.0 + i / 100, 139.0 + i / 100) for i in range(n)]
    limit = 3 if mobile else 9
    legs = split_legs(pts, limit)
    assert all(len(leg) - 2 <= limit for leg in legs)
    assert legs[0][0] == pts[0] and legs[-1][-1] == pts[-1]
    assert all(a[-1] == b[0] for a, b in itertools.pairwise(legs))
    assert [p for leg in legs for p in leg[:-1]] + [pts[-1]] == pts
    for url in directions_links(pts, mobile=mobile):
        q = parse_qs(urlparse(url).query)
        assert len(q.get("waypoints", [""])[0].split("|")) <= limit


def test_roi_matches_the_method_worked_example() -> None:
    # METHOD 6: 20 visits, 15% appointments, 1 in 3 closes, 1,000,000 deals, 30% margin,
    # day rate 40,000 + 10,000 travel -> ROI 500%
    cfg = default_settings().roi.model_copy(
        update={
            "appointment_rate": {"A": 0.15, "B": 0.15, "C": 0.15, "D": 0.15},
            "close_rate": {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3, "D": 1 / 3},
            "day_rate": 40_000,
            "cost_per_km": 100,
            "expenses_per_day": 0,
        }
    )
    visits = [VisitEconomics("B", 1_000_000, 0.30)] * 20
    r = planned_roi(visits, 100.0, cfg)
    assert r.cost == 50_000 and r.gross_profit == 300_000
    assert round(r.roi_pct or 0) == 500
