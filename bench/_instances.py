"""Realistic planning instances for benchmarks: deterministic, seeded.

An account base that looks like a real territory, not uniform points:
- a main city around the office (dense, Gaussian), a handful of towns,
  a dozen villages and a sparse rural spread, over about 100 x 100 km;
- values that depend on position: bigger average orders in the city, a
  lognormal spread around a median per zone; ranks A-D drawn from a realistic
  mix that leans towards the big accounts;
- per-account opening hours (受付時間), some with a closed lunch hour or
  only mornings/afternoons, and a closed weekday (定休日) for some.

Two outputs:
- `day_model` / `week_models`: DayModels built directly (for quality);
- `make_clustered_db`: a SQLite database of N accounts in the fast bulk insert
  style of _gen.make_db (for end-to-end speed).

The planner's API is moving (issue 13); everything that touches it goes
through the small adapters at the bottom (`make_candidate`, `with_windows`),
which look at the dataclass fields present instead of assuming them.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

GEN_VERSION = 1  # bump when the generated instances change (invalidates bench/.cache)

OFFICE_LAT, OFFICE_LON = 35.681236, 139.767125  # config.yaml office (Tokyo Station)
KM_LAT = 111.0
KM_LON = 111.32 * math.cos(math.radians(OFFICE_LAT))
# the territory: 100 x 100 km, the office in the main city near its south-east
BOX_X = (-65.0, 35.0)  # km east of the office
BOX_Y = (-40.0, 60.0)  # km north of the office

# zone 0 = main city, 1 = town, 2 = village, 3 = rural
# (x km, y km, sigma km, weight, zone)
CENTRES: list[tuple[float, float, float, float, int]] = [
    (0.0, 0.0, 5.0, 0.42, 0),
    (-25.0, 20.0, 3.0, 0.10, 1),
    (-35.0, -5.0, 2.5, 0.07, 1),
    (-10.0, 45.0, 2.5, 0.06, 1),
    (15.0, 25.0, 2.0, 0.05, 1),
    (-55.0, 35.0, 2.0, 0.04, 1),
]
N_VILLAGES = 12
VILLAGE_WEIGHT = 0.01
RURAL_WEIGHT = 1.0 - sum(c[3] for c in CENTRES) - N_VILLAGES * VILLAGE_WEIGHT

ORDER_MEDIAN = {0: 900_000, 1: 600_000, 2: 380_000, 3: 320_000}  # yen, lognormal median
ORDER_SIGMA = 0.8
RANK_MIX = {"A": 0.12, "B": 0.33, "C": 0.40, "D": 0.15}  # among visit candidates

H = 3600
# opening hours (受付時間): (share, windows as seconds since midnight)
HOURS: list[tuple[float, tuple[tuple[int, int], ...]]] = [
    (0.30, ((9 * H, 18 * H),)),
    (0.20, ((9 * H, 17 * H),)),
    (0.15, ((10 * H, 18 * H),)),
    (0.10, ((10 * H, 16 * H),)),
    (0.14, ((13 * H, 17 * H),)),  # afternoons only
    (0.11, ((9 * H, 12 * H),)),  # mornings only
]
CLOSED_DAY_SHARE = 0.15  # accounts with a closed weekday (定休日) among Mon-Fri


def villages(seed: int = 12345) -> list[tuple[float, float]]:
    """Fixed village sites (the same territory for every instance)."""
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(*BOX_X)), float(rng.uniform(*BOX_Y))) for _ in range(N_VILLAGES)]


def positions(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points (lat, lon, zone) from the clustered territory."""
    sites = [(x, y, s, w, z) for x, y, s, w, z in CENTRES]
    sites += [(x, y, 1.0, VILLAGE_WEIGHT, 2) for x, y in villages()]
    weights = np.array([s[3] for s in sites] + [RURAL_WEIGHT])
    pick = rng.choice(len(weights), size=n, p=weights / weights.sum())
    x = np.empty(n)
    y = np.empty(n)
    zone = np.full(n, 3, dtype=np.int64)
    for k, (cx, cy, sig, _w, z) in enumerate(sites):
        idx = np.nonzero(pick == k)[0]
        x[idx] = rng.normal(cx, sig, idx.size)
        y[idx] = rng.normal(cy, sig, idx.size)
        zone[idx] = z
    rural = np.nonzero(pick == len(sites))[0]
    x[rural] = rng.uniform(*BOX_X, rural.size)
    y[rural] = rng.uniform(*BOX_Y, rural.size)
    x = np.clip(x, *BOX_X)
    y = np.clip(y, *BOX_Y)
    return OFFICE_LAT + y / KM_LAT, OFFICE_LON + x / KM_LON, zone


def average_orders(rng: np.random.Generator, zone: np.ndarray) -> np.ndarray:
    med = np.array([ORDER_MEDIAN[int(z)] for z in zone], dtype=float)
    return np.round(med * np.exp(rng.normal(0.0, ORDER_SIGMA, zone.size)), -3)


def margins(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.round(np.clip(rng.beta(6, 14, n), 0.08, 0.6), 3)  # mean 0.30


def ranks_for(rng: np.random.Generator, orders: np.ndarray) -> np.ndarray:
    """A-D by quantile of a noisy size signal: the mix of RANK_MIX, big accounts rank higher."""
    z = (np.log(orders) - np.log(orders).mean()) / (np.log(orders).std() or 1.0)
    s = 0.7 * z + rng.normal(0.0, 1.0, orders.size)
    order = np.argsort(-s, kind="stable")
    out = np.empty(orders.size, dtype="<U1")
    start = 0
    for r, share in RANK_MIX.items():
        k = round(share * orders.size) if r != "D" else orders.size - start
        out[order[start : start + k]] = r
        start += k
    return out


def opening_hours(rng: np.random.Generator, n: int) -> tuple[list[Any], np.ndarray]:
    """Per account: its opening windows and its closed weekday (-1: none)."""
    shares = np.array([h[0] for h in HOURS])
    pick = rng.choice(len(HOURS), size=n, p=shares / shares.sum())
    closed = np.where(rng.random(n) < CLOSED_DAY_SHARE, rng.integers(0, 5, n), -1)
    return [HOURS[int(k)][1] for k in pick], closed


@dataclass(frozen=True)
class Account:
    id: str
    lat: float
    lon: float
    zone: int
    rank: str
    average_order: float
    gross_margin: float
    windows: tuple[tuple[int, int], ...]
    closed_weekday: int  # 0 = Monday; -1: open every weekday
    score: float


def accounts(n: int, seed: int) -> list[Account]:
    """n visit candidates of one territory (deterministic in n and seed)."""
    rng = np.random.default_rng(10_000 + seed)
    lat, lon, zone = positions(rng, n)
    orders = average_orders(rng, zone)
    margin = margins(rng, n)
    rank = ranks_for(rng, orders)
    hours, closed = opening_hours(rng, n)
    base = {"A": 180.0, "B": 150.0, "C": 110.0, "D": 70.0}
    return [
        Account(
            f"a{seed}-{i}",
            float(lat[i]),
            float(lon[i]),
            int(zone[i]),
            str(rank[i]),
            float(orders[i]),
            float(margin[i]),
            hours[i],
            int(closed[i]),
            base[str(rank[i])] + float(rng.uniform(-15, 15)),
        )
        for i in range(n)
    ]


def expected_profit(acc: Account, settings: Any) -> float:
    """docs/method.md#roi: P(appointment) x P(close) x expected deal x gross margin, in yen."""
    roi = settings.roi
    return (
        roi.appointment_rate[acc.rank] * roi.close_rate[acc.rank] * acc.average_order
    ) * acc.gross_margin


# ---- adapters to the planner's dataclasses (robust to their fields changing) --------

WINDOW_FIELDS = ("window", "windows", "opening_windows", "open_windows", "opening_hours", "hours")


def _fields(cls: Any) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls)}


def window_field() -> str | None:
    """The Candidate field that carries per-account hard windows, if the planner has one."""
    from fieldsales.planning.day_model import Candidate

    names = _fields(Candidate)
    return next((f for f in WINDOW_FIELDS if f in names), None)


def make_candidate(acc: Account, value: float, duration_s: int, day: date) -> Any | None:
    """A Candidate with what the planner's dataclass accepts; None when closed that day."""
    from fieldsales.planning.day_model import Candidate

    if acc.closed_weekday == day.weekday():
        return None
    names = _fields(Candidate)
    kw: dict[str, Any] = {
        "account_id": acc.id,
        "lat": acc.lat,
        "lon": acc.lon,
        "value": value,
        "duration_s": duration_s,
        "rank": acc.rank,
        "score": acc.score,
        "average_order": acc.average_order,
        "gross_margin": acc.gross_margin,
    }
    wf = window_field()
    if wf == "window":  # one (open, close) pair a day
        kw[wf] = (
            (acc.windows[0][0], acc.windows[-1][1]) if len(acc.windows) == 1 else acc.windows[0]
        )
    elif wf is not None:
        kw[wf] = acc.windows
    missing = [
        f.name
        for f in names.values()
        if f.name not in kw
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise TypeError(f"Candidate needs fields this bench does not know: {missing}")
    return Candidate(**{k: v for k, v in kw.items() if k in names})


def day_model(n: int, seed: int, day: date, settings: Any, *, accs: list[Account] | None = None):  # type: ignore[no-untyped-def]
    """One day's DayModel from n generated visit candidates (closed-that-day ones left out).

    Values are expected gross profit in yen. When the planner has no per-account
    windows yet, the model's own hard windows (visits.best_windows, windows_hard)
    stand in on odd seeds (see `hard_windows_kind`).
    """
    from fieldsales.planning.day_model import Place, base_model, duration_for

    accs = accs if accs is not None else accounts(n, seed)
    office = Place("Office", settings.office.lat, settings.office.lon)
    cands = [
        make_candidate(a, expected_profit(a, settings), duration_for(a.rank, settings), day)
        for a in accs
    ]
    model = base_model(
        settings, day, office, office, candidates=[c for c in cands if c is not None]
    )
    if window_field() is None and seed % 2 == 1:
        model = dataclasses.replace(model, windows_hard=True)
    if "cost_per_km" in _fields(type(model)) and not getattr(model, "cost_per_km", 0):
        model = dataclasses.replace(model, cost_per_km=float(settings.roi.cost_per_km))
    return model


def hard_windows_kind(seed: int) -> str:
    if window_field() is not None:
        return "per-account opening hours"
    return "best windows hard" if seed % 2 == 1 else "soft windows"


def week_models(
    n: int, seed: int, days: list[date], settings: Any
) -> tuple[list[Any], list[Account]]:
    """One DayModel per day over the same n accounts (closed weekdays differ by day)."""
    accs = accounts(n, seed)
    return [day_model(n, seed, d, settings, accs=accs) for d in days], accs


# ---- the database -------------------------------------------------------------------

ANCHOR = date(2026, 11, 30)  # "today" of the generated database (a Monday)
PREFS = {
    0: ("東京都", "千代田区"),
    1: ("埼玉県", "さいたま市"),
    2: ("埼玉県", "比企郡"),
    3: ("埼玉県", "秩父郡"),
}
REASONS = ["product", "price", "customer_change", "forgotten", "competitor", "unknown"]
SOLV = ["unsolvable", "hard", "partly", "mostly", "solved", "unknown"]
COMP = ["long_contract", "main_supplier", "partial", "trial", "none", "unknown"]
DIGI = ["never", "low", "medium", "high", "very_high", "unknown"]
RESULTS = ["no_answer", "contacted", "refused", "interested", "next_action", "appointment"]


def make_clustered_db(path: Path, n: int, *, seed: int = 7, outcomes_per_100: int = 10) -> None:
    """N accounts over the clustered territory, in one bulk insert (as _gen.make_db).

    Lifetime revenue follows position (city accounts bigger), average order and
    margin as in `accounts`; last orders are spread so that most accounts are
    dormant; a few outcomes, some positive, some with a follow-up due.
    """
    from fieldsales.domain.text import fold
    from fieldsales.store.db import open_engine
    from fieldsales.store.models import Account as AccountRow
    from fieldsales.store.models import Outcome, new_id

    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    lat, lon, zone = positions(rng, n)
    orders = average_orders(rng, zone)
    margin = margins(rng, n)
    per_year = np.exp(rng.normal(0.3, 0.7, n))  # orders a year while active
    years = rng.uniform(1, 12, n)
    lifetime = np.round(orders * per_year * years, -3).astype(np.int64)
    cycles = rng.choice([30, 60, 90, 180, 365], size=n, p=[0.15, 0.25, 0.3, 0.2, 0.1])
    # most accounts are dormant: days since the last order as a multiple of the cycle
    mult = np.where(rng.random(n) < 0.2, rng.uniform(0.2, 3.0, n), rng.uniform(3.0, 25.0, n))
    since = np.clip(mult * cycles, 7, 3650).astype(np.int64)
    located = rng.random(n) > 0.03
    hours, closed_day = opening_hours(rng, n)
    sat = rng.random(n) < 0.4  # most are closed at the weekend; some open on Saturday
    has_margin = rng.random(n) < 0.8
    cols = set(AccountRow.__table__.columns.keys())  # type: ignore[attr-defined]
    now = datetime.combine(ANCHOR, time(9), tzinfo=UTC)
    rows = []
    for i in range(n):
        pref, city = PREFS[int(zone[i])]
        company = f"ベンチ商事{i}株式会社"
        address = f"{pref}{city}{i % 9 + 1}-{i % 40 + 1}-{i % 17 + 1}"
        row = {
            "id": new_id(),
            "external_id": f"R{i:07d}",
            "match_key": fold(f"{company}|{address}"),
            "company": company,
            "company_kana": f"ベンチショウジ{i}",
            "address": address,
            "prefecture": pref,
            "city": city,
            "lat": float(lat[i]) if located[i] else None,
            "lon": float(lon[i]) if located[i] else None,
            "geo_precision": "street" if located[i] else "none",
            "lifetime_revenue": int(lifetime[i]),
            "average_order": int(orders[i]),
            "gross_margin": float(margin[i]) if has_margin[i] else None,
            "first_order_date": ANCHOR - timedelta(days=int(since[i] + years[i] * 365)),
            "last_order_date": ANCHOR - timedelta(days=int(since[i])),
            "purchase_cycle_days": int(cycles[i]),
            "main_reason": prng.choice(REASONS),
            "reason_solvable": prng.choice(SOLV),
            "competitor_status": prng.choice(COMP),
            "digital_responsiveness": prng.choice(DIGI),
            "do_not_contact": prng.random() < 0.02,
            # 定休日 and 受付時間 (migration 0004); columns the schema lacks are left out
            "closed_weekdays": ",".join(
                str(d)
                for d in sorted({int(closed_day[i]), 6} | ({5} if not sat[i] else set()))
                if d >= 0
            ),
            "opens_at": _hhmm(hours[i][0][0]),
            "closes_at": _hhmm(hours[i][-1][1]),
            "geo_source": "import",
            "created_at": now,
            "updated_at": now,
        }
        rows.append({k: v for k, v in row.items() if k in cols})
    engine = open_engine(path)
    with engine.begin() as conn:
        conn.execute(AccountRow.__table__.insert(), rows)  # type: ignore[attr-defined]
        events = []
        for r in prng.sample(rows, n * outcomes_per_100 // 100):
            result = prng.choice(RESULTS)
            events.append(
                {
                    "id": new_id(),
                    "account_id": r["id"],
                    "rep": "bench",
                    "channel": prng.choice(["phone", "email", "visit"]),
                    "occurred_at": now - timedelta(days=prng.randint(15, 400)),
                    "visit_stage": "none",
                    "result": result,
                    "next_action_due": ANCHOR + timedelta(days=prng.randint(-10, 30))
                    if result in ("next_action", "appointment")
                    else None,
                    "created_at": now,
                }
            )
        if events:
            conn.execute(Outcome.__table__.insert(), events)  # type: ignore[attr-defined]
    engine.dispose()


def _hhmm(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
