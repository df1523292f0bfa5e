"""Property tests: every plan the engine returns obeys the day model (hypothesis).

Each plan is checked here by independent assertions, not only by the
project's own checker, so a bug in the checker cannot hide a bad plan.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsales.config import default_settings
from fieldsales.geo.distance import haversine_km
from fieldsales.geo.matrix import travel_seconds
from fieldsales.planning.check import violations
from fieldsales.planning.day_model import Candidate, DayModel, Pin, Place, base_model
from fieldsales.planning.solve import plan_model

OFFICE = Place("Office", 35.681236, 139.767125)
CFG = default_settings()

coord = st.tuples(st.floats(35.58, 35.78), st.floats(139.65, 139.88))


@st.composite
def day_models(draw: st.DrawFn) -> DayModel:
    n = draw(st.integers(0, 25))
    pts = draw(st.lists(coord, min_size=n, max_size=n))
    values = draw(st.lists(st.integers(10, 210), min_size=n, max_size=n))
    durs = draw(st.lists(st.sampled_from([1200, 1800, 2700]), min_size=n, max_size=n))
    cands = [
        Candidate(f"c{i}", lat, lon, float(v), d)
        for i, ((lat, lon), v, d) in enumerate(zip(pts, values, durs, strict=True))
    ]
    pins: list[Pin] = []
    if draw(st.booleans()):
        lat, lon = draw(coord)
        at = draw(st.sampled_from([10 * 3600, 14 * 3600, 15 * 3600 + 1800, 16 * 3600]))
        pins.append(Pin("pin", lat, lon, at, 1800, 150.0))
    end = OFFICE if draw(st.booleans()) else Place("Home", *draw(coord))
    day = date(2026, 12, draw(st.integers(1, 5)))  # Tue..Sat: on and off best days
    excluded = frozenset(c.account_id for c in cands[: draw(st.integers(0, min(3, n)))])
    model = base_model(
        CFG,
        day,
        OFFICE,
        end,
        candidates=cands,
        pins=pins,
        max_stops=draw(st.one_of(st.none(), st.integers(1, 8))),
        excluded_ids=excluded,
    )
    if draw(st.booleans()):
        from dataclasses import replace

        model = replace(model, windows_hard=True)
    return model


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=day_models())
def test_every_plan_respects_the_day(model: DayModel) -> None:
    plan = plan_model(model, timeout_s=0.2, exploration=2)
    assert violations(model, plan) == []
    ids = [s.account_id for s in plan.stops]
    # each stop at most once, no excluded account, pinned appointment kept at its time
    assert len(ids) == len(set(ids))
    assert not set(ids) & model.excluded_ids
    for p in model.pins:
        assert [s.start_s for s in plan.stops if s.account_id == p.account_id] == [p.start_s]
    if model.max_stops is not None:
        assert len(ids) <= max(model.max_stops, len(model.pins))
    # start and end respected, inside the working hours
    assert plan.start == model.start and plan.end == model.end
    assert model.work_start_s <= plan.depart_s and plan.return_s <= model.work_end_s
    # arrival times consistent with the travel model (haversine x detour / speed)
    places = {c.account_id: (c.lat, c.lon) for c in model.candidates}
    places |= {p.account_id: (p.lat, p.lon) for p in model.pins}
    prev, t = (model.start.lat, model.start.lon), plan.depart_s
    busy = []
    for s in plan.stops:
        here = places[s.account_id]
        secs = travel_seconds(haversine_km(*prev, *here) * model.detour_factor, model.speed_kmh)
        assert s.arrival_s >= t + secs
        assert s.start_s >= s.arrival_s
        if model.windows_hard and not s.pinned:
            assert any(o <= s.start_s and s.departure_s <= c for o, c in model.best_windows)
        busy.append((s.start_s, s.departure_s))
        prev, t = here, s.departure_s
    # lunch: the configured length, inside its window, never during a visit
    lw0, lw1 = model.lunch_window
    assert plan.lunch is not None
    ls, le = plan.lunch
    assert le - ls == model.lunch_s and lw0 <= ls and le <= lw1
    assert all(le <= a or ls >= b for a, b in busy)


def test_checker_catches_a_broken_plan() -> None:
    from dataclasses import replace

    cands = [Candidate(f"c{i}", 35.68 + i * 0.01, 139.75, 100.0, 1800) for i in range(5)]
    model = base_model(CFG, date(2026, 12, 1), OFFICE, OFFICE, candidates=cands)
    plan = plan_model(model, timeout_s=0.2, exploration=2)
    assert len(plan.stops) == 5 and violations(model, plan) == []
    twice = replace(plan, stops=(*plan.stops, plan.stops[0]))
    assert any("visited twice" in v for v in violations(model, twice))
    s0 = plan.stops[0]
    early = replace(
        plan,
        stops=(
            replace(
                s0,
                arrival_s=s0.arrival_s - 600,
                start_s=s0.start_s - 600,
                departure_s=s0.departure_s - 600,
            ),
            *plan.stops[1:],
        ),
    )
    assert any("too early" in v for v in violations(model, early))
    late = replace(plan, return_s=model.work_end_s + 60)
    assert any("after 18:00" in v for v in violations(model, late))
    nolunch = replace(plan, lunch=None)
    assert "no lunch break planned" in violations(model, nolunch)
    banned = replace(model, excluded_ids=frozenset({s0.account_id}))
    assert any("excluded account planned" in v for v in violations(banned, plan))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day_models())
def test_polish_only_adds_value_and_keeps_the_rules(model: DayModel) -> None:
    """From the bare day (appointments only), the polish fills it with valid visits."""
    import time

    from hypothesis import assume

    from fieldsales.planning.day_model import PlanError
    from fieldsales.planning.improve import polish
    from fieldsales.planning.schedule import schedule

    try:
        bare = schedule(model, [p.account_id for p in model.pins])
    except PlanError:
        assume(False)
        return
    out = polish(model, bare, model.matrix(), time.perf_counter() + 0.5)
    assert violations(model, out) == []
    assert out.score >= bare.score
    assert not {s.account_id for s in out.stops} & model.excluded_ids
    if any(c.account_id not in model.excluded_ids for c in model.candidates) and (
        model.max_stops is None or model.max_stops > len(model.pins)
    ):
        # something fits alone (prune keeps it) -> the polish visits something
        from fieldsales.planning.schedule import prune

        if prune(model, model.matrix()).candidates:
            assert len(out.stops) > len(model.pins)
