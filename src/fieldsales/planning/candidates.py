"""The day's candidates from the ranking: who may be visited, what a visit is worth.

Service code (reads the planning columns with the ranking). Exclusions
follow docs/method.md#care-points and the channel fit (#channel-fit); values are yen of
expected gross profit (or the score); only the best `visits.candidate_limit`
by value per minute become candidates of the day model (planning.day_model),
so no matrix ever grows with the account base. The call list
(planning.calls) uses the same exclusions and values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fieldsales.config import Settings
from fieldsales.domain import calendar, channels
from fieldsales.domain.roi import expected_values
from fieldsales.geo.distance import haversine_many, haversine_many_to_many
from fieldsales.planning.day_model import (
    Candidate,
    DayModel,
    Pin,
    Place,
    PlanError,
    base_model,
    duration_for,
    lunch_needed,
)
from fieldsales.planning.planned_day import PinRequest
from fieldsales.services.rank import RankedAccount, RankFilter, rank_accounts
from fieldsales.services.rank_table import RankBase, RankTable
from fieldsales.store import queries, unit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class Exclusions(Mapping[str, str]):
    """Why each account is not a candidate of the day, computed on demand.

    Built from one code per account (numpy) so a day planned from 100,000
    accounts never formats 100,000 strings.
    """

    def __init__(self, base: RankBase | None, positions: Any, codes: Any, day: date) -> None:
        self._base = base
        self._codes: dict[int, int] = {}
        if base is not None and len(positions):
            hit = np.flatnonzero(codes)
            self._codes = dict(zip(positions[hit].tolist(), codes[hit].tolist(), strict=True))
        self._day = day

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        assert self._base is not None or not self._codes
        return (self._base.ids[i] for i in self._codes)  # type: ignore[union-attr]

    def __getitem__(self, account_id: str) -> str:
        if self._base is None:
            raise KeyError(account_id)
        i = self._base.id_index().get(account_id)
        if i is None or i not in self._codes:
            raise KeyError(account_id)
        return _reason_text(self._base, i, self._codes[i], self._day)


# exclusion codes, in the order they are tested (the first that applies wins)
_DNC, _PAUSED, _RECENT, _NO_LOCATION, _APPROX, _STAGE, _FIT_NO, _FIT_REASON, _CLOSED = range(1, 10)
# △ accounts looked at for "near a stop": this many times visits.candidate_limit,
# the most valuable first
NEAR_POOL_FACTOR = 10
# codes that forbid even an appointment the rep made (pins)
_BLOCKS_PIN = {_DNC, _PAUSED, _NO_LOCATION, _CLOSED}


def _reason_text(b: RankBase, i: int, code: int, day: date) -> str:
    def d(x: Any) -> str:
        return str(x.astype(date).isoformat())

    rank = str(b.ranks[i])
    texts = {
        _DNC: lambda: "do not contact",
        _PAUSED: lambda: f"paused until {d(b.paused[i])}",
        _RECENT: lambda: (
            f"contacted {d(b.contact.last_contact[i])} (gap {b.settings.visits.min_gap_days} days)"
        ),
        _NO_LOCATION: lambda: "no location",
        _APPROX: lambda: f"located only to {b.precision[i]}",
        _STAGE: lambda: f"stage {b.stage[i]}",
        _FIT_NO: lambda: f"rank {rank} is not visited (channel fit ×)",
        _FIT_REASON: lambda: f"rank {rank} is visited only with a reason (channel fit △)",
        _CLOSED: lambda: f"closed on {day.strftime('%A')}",
    }
    return texts[code]()


@dataclass(frozen=True)
class PlanningColumns:
    """What planning needs of every account beyond the ranking (nan/"" = not known)."""

    average_order: npt.NDArray[np.float64]
    gross_margin: npt.NDArray[np.float64]
    closed_weekdays: npt.NDArray[np.str_]  # "5,6" (Monday = 0)
    opens_s: npt.NDArray[np.float64]  # seconds since midnight
    closes_s: npt.NDArray[np.float64]


def _seconds(values: Sequence[str | None], missing: float) -> npt.NDArray[np.float64]:
    """ "HH:MM" texts to seconds since midnight; each distinct text is parsed once."""
    texts = np.array([v or "" for v in values], dtype="<U5")
    uniq, inverse = np.unique(texts, return_inverse=True)
    parsed = np.array([calendar.seconds_of(u) if u else missing for u in uniq], dtype=float)
    return parsed[inverse] if len(texts) else np.zeros(0)


def planning_columns(base: RankBase) -> PlanningColumns:
    """Loaded once per ranking, in one query."""

    def load() -> PlanningColumns:
        n = base.n
        cols = PlanningColumns(
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.full(n, "", dtype="<U20"),
            np.zeros(n),
            np.full(n, float(calendar.DAY_SECONDS)),
        )
        if base.engine is None:
            return cols
        if all(f in base.extra for f in queries.PLANNING_FIELDS):
            # fetched with the ranking, in its order
            orders, margins, closed, opens, closes = (
                base.extra[f] for f in queries.PLANNING_FIELDS
            )
            pos = np.arange(n, dtype=np.intp)
        else:
            with unit.reading(base.engine) as session:
                ids, (orders, margins, closed, opens, closes) = queries.planning_columns(session)
            index = base.id_index()
            pos = np.array([index.get(i, -1) for i in ids], dtype=np.intp)
        ok = pos >= 0
        p = pos[ok]

        def num(values: Sequence[Any]) -> npt.NDArray[np.float64]:
            return np.array([np.nan if v is None else v for v in values], dtype=float)[ok]

        cols.average_order[p] = num(orders)
        cols.gross_margin[p] = num(margins)
        cols.closed_weekdays[p] = np.array([c or "" for c in closed], dtype="<U20")[ok]
        cols.opens_s[p] = _seconds(opens, 0.0)[ok]
        cols.closes_s[p] = _seconds(closes, float(calendar.DAY_SECONDS))[ok]
        if base.settings.clv.deal_from_expected_value:
            # config clv.deal_from_expected_value: the models' expected future value
            # over the horizon is the deal, where they have one for the account
            from fieldsales.services.early_warning import future_deals

            future = future_deals(base)
            use = np.isfinite(future) & (future > 0)
            cols.average_order[use] = future[use]
        return cols

    return base.cached("planning_columns", load)


def economics(base: RankBase) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    cols = planning_columns(base)
    return cols.average_order, cols.gross_margin


def account_values(
    base: RankBase, positions: npt.NDArray[np.intp], settings: Settings, channel: str
) -> npt.NDArray[np.float64]:
    """What a contact by `channel` is worth: yen of expected gross profit, or the score."""
    if settings.visits.objective == "score":
        return np.asarray(base.totals[positions], dtype=float)
    from fieldsales.services.rates import learned_for

    avg, margin = economics(base)
    return expected_values(
        np.asarray(base.ranks[positions]),
        avg[positions],
        margin[positions],
        settings,
        channel,
        learned_for(base, settings),  # rates learned from logged outcomes (config as prior)
    )


def cached_array(
    base: RankBase, name: str, values: Sequence[Any] | npt.NDArray[Any]
) -> npt.NDArray[Any]:
    return base.cached(name, lambda: np.array(values, dtype=str))


def contact_codes(
    base: RankBase, idx: npt.NDArray[np.intp], day: date, settings: Settings
) -> npt.NDArray[np.int8]:
    """Exclusions that hold for every channel (docs/method.md#care-points), one code per account."""
    v = settings.visits
    d = np.datetime64(day, "D")
    codes = np.zeros(len(idx), dtype=np.int8)

    def mark(mask: npt.NDArray[np.bool_], code: int) -> None:
        codes[(codes == 0) & mask] = code

    mark(base.dnc[idx], _DNC)
    paused = base.paused[idx]
    mark(~np.isnat(paused) & (paused > d), _PAUSED)
    last = base.contact.last_contact[idx]
    mark(~np.isnat(last) & ((d - last).astype(int) < v.min_gap_days), _RECENT)
    return codes


def stage_ok(base: RankBase, idx: npt.NDArray[np.intp], settings: Settings) -> Any:
    return np.isin(cached_array(base, "stage_array", base.stage)[idx], settings.visits.plan_stages)


def static_reasons(
    base: RankBase, idx: npt.NDArray[np.intp], day: date, settings: Settings
) -> npt.NDArray[np.int8]:
    fu = base.followup[idx]
    due = ~np.isnat(fu) & (fu <= np.datetime64(day, "D"))
    return channels.static_reason_many(settings.channels, base.positive[idx], due)


def _resolve(ref: str, base: RankBase, engine: Engine) -> int:
    i = base.id_index().get(ref)
    if i is None:
        with unit.reading(engine) as session:
            acc = queries.find_account(session, ref)
        i = None if acc is None else base.id_index().get(acc.id)
    if i is None:
        raise PlanError(f"{ref}: no such account")
    return i


def rank_for_planning(
    engine: Engine, settings: Settings, origin: tuple[float, float], day: date
) -> RankTable:
    """Every account ranked from `origin` (paused and do-not-contact included, so
    that exclusions can say why), with the planning columns fetched alongside."""
    return rank_accounts(
        engine,
        settings,
        origin=origin,
        filters=RankFilter(show_all=True),
        today=day,
        extra=queries.PLANNING_FIELDS,
    )


def find_account(ref: str, ranked: RankTable, engine: Engine) -> RankedAccount:
    return ranked.base.get(_resolve(ref, ranked.base, engine))


def _chunked_near(
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    plat: npt.NDArray[np.float64],
    plon: npt.NDArray[np.float64],
    km: float,
) -> npt.NDArray[np.bool_]:
    """Which (lat, lon) lie within `km` of any of the points (plat, plon).

    A grid of `km`-sized cells finds the few accounts next to a point's cell;
    only those get an exact distance, so 100,000 accounts cost milliseconds.
    """
    near = np.zeros(len(lat), dtype=bool)
    if not len(lat) or not len(plat):
        return near
    dlat = km / 111.0
    dlon = km / (111.0 * max(np.cos(np.radians(float(np.mean(plat)))), 0.1))

    def cell(la: Any, lo: Any) -> tuple[Any, Any]:
        return np.floor(la / dlat).astype(np.int64), np.floor(lo / dlon).astype(np.int64)

    pi, pj = cell(plat, plon)
    ai, aj = cell(lat, lon)
    width = np.int64(1 << 31)
    occupied = np.unique(pi * width + pj)
    maybe = np.zeros(len(lat), dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            maybe |= np.isin((ai + di) * width + (aj + dj), occupied)
    hits = np.flatnonzero(maybe)
    for k in range(0, len(hits), 4096):
        h = hits[k : k + 4096]
        d = haversine_many_to_many(lat[h], lon[h], plat, plon)
        near[h] = (d <= km).any(axis=1)
    return near


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
    ranked: RankTable | None = None,
    keep: set[str] | frozenset[str] = frozenset(),
    drop_blocked_pins: bool = False,
) -> tuple[DayModel, dict[str, RankedAccount], Exclusions]:
    """The day's model from the ranking, by the method, at any size.

    Eligibility, channel fit (docs/method.md#channel-fit), values and reachability are
    computed for every account at once; only the best `visits.candidate_limit`
    by value per minute (visit + travel from the start) become candidates, so
    no matrix ever grows with the account base.
    """
    if ranked is None:
        ranked = rank_for_planning(engine, settings, (start.lat, start.lon), day)
    b, idx = ranked.base, ranked.indices
    v, t, ch = settings.visits, settings.travel, settings.channels
    codes = contact_codes(b, idx, day, settings)
    located = ~np.isnan(b.lat[idx]) & (
        cached_array(b, "precision_array", b.precision)[idx] != "none"
    )
    codes[(codes == 0) & ~located] = _NO_LOCATION
    if v.exclude_approximate:
        approx = np.isin(cached_array(b, "precision_array", b.precision)[idx], ["town", "city"])
        codes[(codes == 0) & approx] = _APPROX
    codes[(codes == 0) & ~stage_ok(b, idx, settings)] = _STAGE
    fit = channels.fit_many(ch, "visit", np.asarray(b.ranks[idx]))
    why_static = static_reasons(b, idx, day, settings)
    codes[(codes == 0) & (fit == 0)] = _FIT_NO
    pc = planning_columns(b)
    closed = np.char.find(pc.closed_weekdays[idx], str(day.weekday())) >= 0
    codes[(codes == 0) & closed] = _CLOSED
    needs_reason = (codes == 0) & (fit == 1) & (why_static == 0)
    codes[needs_reason] = _FIT_REASON
    excluded = Exclusions(b, idx, codes, day)

    # pins: the rep's own appointments, kept whatever the fit or the stage
    pin_objs: list[Pin] = []
    pinned: set[int] = set()
    for req in pins:
        i = _resolve(req.account, b, engine)
        j = np.flatnonzero(idx == i)
        code = int(codes[j[0]]) if len(j) else 0
        if code in _BLOCKS_PIN:
            if drop_blocked_pins:  # reopening: the caller names what was left out
                continue
            raise PlanError(f"{b.company[i]}: cannot pin, {_reason_text(b, i, code, day)}")
        at = req.at.hour * 3600 + req.at.minute * 60
        rank = str(b.ranks[i])
        value = float(account_values(b, np.array([i]), settings, "visit")[0])
        pin_objs.append(
            Pin(b.ids[i], float(b.lat[i]), float(b.lon[i]), at, duration_for(rank, settings), value)
        )
        pinned.add(i)

    ok = codes == 0
    if skip or pinned:
        index = b.id_index()
        out = {index[a] for a in skip if a in index} | pinned
        ok &= ~np.isin(idx, list(out))
    pos = idx[ok]
    near_pos = (
        idx[needs_reason & ~np.isin(idx, list(pinned))] if ch.reasons.near_stop_km else idx[:0]
    )
    if skip and len(near_pos):
        index = b.id_index()
        near_pos = near_pos[~np.isin(near_pos, [index[a] for a in skip if a in index])]

    model = base_model(
        settings,
        day,
        start,
        end,
        pins=pin_objs,
        max_stops=max_stops,
        earliest_s=earliest_s,
    )
    pos = _reachable(b, pos, model, settings, within_km)
    near_pos = _reachable(b, near_pos, model, settings, within_km)
    values = account_values(b, pos, settings, "visit")
    dur = _durations(b, pos, settings)
    km0 = haversine_many(start.lat, start.lon, b.lat[pos], b.lon[pos]) * t.detour_factor
    minutes = dur / 60 + km0 / t.speed_kmh * 60
    # best value per minute first; ties by the ranking (stable sort on the view order)
    order = np.argsort(-(values / np.maximum(minutes, 1e-9)), kind="stable")[: v.candidate_limit]
    order = np.sort(order)  # keep the ranking's order among the chosen
    pos, values = pos[order], values[order]
    # a reason is shown only where the fit needs one (△)
    whys = static_reasons(b, pos, day, settings)
    whys[channels.fit_many(ch, "visit", np.asarray(b.ranks[pos])) != 1] = 0
    cands = [
        _candidate(b, pc, i, val, channels.STATIC_WHY.get(int(w), channels.WHY_FIT), settings)
        for i, val, w in zip(pos.tolist(), values.tolist(), whys.tolist(), strict=True)
    ]
    if len(near_pos) and len(pos):
        # △ accounts that a planned stop may pass by: near one of the candidates.
        # Only the most valuable are looked at (the K best near ones are kept in
        # the end): a city holds tens of thousands, and each costs a distance
        near_pos = near_pos[
            np.sort(
                np.argsort(-account_values(b, near_pos, settings, "visit"), kind="stable")[
                    : NEAR_POOL_FACTOR * v.candidate_limit
                ]
            )
        ]
        close = _chunked_near(
            b.lat[near_pos], b.lon[near_pos], b.lat[pos], b.lon[pos], ch.reasons.near_stop_km
        )
        near_pos = near_pos[close]
        near_val = account_values(b, near_pos, settings, "visit")
        pick = np.sort(np.argsort(-near_val, kind="stable")[: v.candidate_limit])
        near_pos, near_val = near_pos[pick], near_val[pick]
        cands += [
            _candidate(b, pc, i, val, channels.WHY_NEAR, settings)
            for i, val in zip(near_pos.tolist(), near_val.tolist(), strict=True)
        ]
    # stops the rep already has in a saved plan (reopening): kept as candidates
    # whatever the cut, the fit or a contact logged since, unless they cannot be
    # visited at all
    index = b.id_index()
    have = {c.account_id for c in cands}
    kept: list[int] = []
    for a in sorted(keep - have):
        found = index.get(a)
        if found is None or found in pinned:
            continue
        i = found
        j = np.flatnonzero(idx == i)
        if len(j) and int(codes[j[0]]) in _BLOCKS_PIN:
            continue
        kept.append(i)
        value = float(account_values(b, np.array([i]), settings, "visit")[0])
        cands.append(_candidate(b, pc, i, value, channels.WHY_KEPT, settings))
    model = replace(
        model,
        candidates=tuple(cands),
        cost_per_km=float(settings.roi.cost_per_km) if v.objective == "expected_profit" else 0.0,
        near_stop_km=ch.reasons.near_stop_km,
        visit_fit=tuple((r, f) for r, f in ch.fit["visit"].items()),
    )
    accounts = {b.ids[i]: b.get(i) for i in [*pos.tolist(), *near_pos.tolist(), *pinned, *kept]}
    return model, accounts, excluded


def _candidate(
    b: RankBase, pc: PlanningColumns, i: int, value: float, why: str, settings: Settings
) -> Candidate:
    rank = str(b.ranks[i])
    return Candidate(
        b.ids[i],
        float(b.lat[i]),
        float(b.lon[i]),
        float(value),
        duration_for(rank, settings),
        rank,
        why,
        _window(pc, i),
    )


def _window(pc: PlanningColumns, i: int) -> tuple[int, int] | None:
    """The account's opening hours as a hard window; None when it keeps no hours."""
    o, c = int(pc.opens_s[i]), int(pc.closes_s[i])
    return None if (o, c) == (0, calendar.DAY_SECONDS) else (o, c)


def _durations(b: RankBase, pos: npt.NDArray[np.intp], settings: Settings) -> Any:
    ranks = np.asarray(b.ranks[pos])
    out = np.full(len(pos), settings.visits.duration_minutes * 60, dtype=float)
    for r, minutes in settings.visits.duration_by_rank.items():
        out[ranks == r] = minutes * 60
    return out


def _reachable(
    b: RankBase,
    pos: npt.NDArray[np.intp],
    model: DayModel,
    settings: Settings,
    within_km: float | None,
) -> npt.NDArray[np.intp]:
    """Accounts a day can reach: there, the visit, lunch, and on to the end in time."""
    if not len(pos):
        return pos
    t = settings.travel
    lat, lon = b.lat[pos], b.lon[pos]
    km0 = haversine_many(model.start.lat, model.start.lon, lat, lon)
    km1 = haversine_many(model.end.lat, model.end.lon, lat, lon)
    lunch = model.lunch_s if lunch_needed(model) else 0
    pc = planning_columns(b)
    leg0 = km0 * t.detour_factor / t.speed_kmh * 3600
    leg1 = km1 * t.detour_factor / t.speed_kmh * 3600
    begin = np.maximum(model.work_start_s + leg0, pc.opens_s[pos])  # the visit starts
    done = begin + _durations(b, pos, settings)
    ok = (done + leg1 + lunch <= model.work_end_s) & (done <= pc.closes_s[pos])
    if within_km is not None:
        ok &= km0 <= within_km
    return pos[ok]
