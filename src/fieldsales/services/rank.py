"""Use case: rank the accounts from a reference point (METHOD sections 1, 3, 8).

Loads every account and its outcome facts in two queries, computes stage,
contact state, distance (vectorised) and the weighted score, and returns the
list best first. Filtering is a pure function over that list so the app can
refilter 100,000 accounts on each key press without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldsales.config import Settings
from fieldsales.domain.contact import ContactFact, contact_state
from fieldsales.domain.dormancy import OutcomeFact, compute_stage, months_dormant
from fieldsales.domain.scoring import ScoreInputs, ScoreResult, score_account
from fieldsales.domain.text import fold
from fieldsales.geo.distance import haversine_many
from fieldsales.store import queries


class OriginError(ValueError):
    """A reference point that cannot be resolved; the message says why."""


@dataclass(slots=True)
class RankedAccount:
    id: str
    external_id: str | None
    company: str
    site: str | None
    prefecture: str | None
    city: str | None
    address: str | None
    postal_code: str | None
    lat: float | None
    lon: float | None
    geo_precision: str
    industry: str | None
    contact_name: str | None
    phone: str | None
    owner_rep: str | None
    lifetime_revenue: int
    average_order: int | None
    gross_margin: float | None
    last_order_date: date | None
    last_product: str | None
    main_reason: str
    do_not_contact: bool
    stage: str
    months_dormant: float | None
    distance_km: float | None
    score: ScoreResult
    last_contact: date | None
    next_followup: date | None
    paused_until: date | None
    search_key: str = field(repr=False, default="")

    @property
    def total(self) -> float:
        return self.score.total

    @property
    def rank(self) -> str:
        return self.score.rank

    def is_paused(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until > today


@dataclass
class RankFilter:
    ranks: Sequence[str] = ()
    stages: Sequence[str] = ()
    reasons: Sequence[str] = ()
    prefectures: Sequence[str] = ()
    cities: Sequence[str] = ()
    owner: str | None = None
    within_km: float | None = None
    due_followups: bool = False  # only follow-ups due today or overdue
    search: str = ""  # company / kana / site, width-, case- and kana-insensitive
    show_all: bool = False  # include do-not-contact and paused accounts


def parse_latlon(text: str) -> tuple[float, float] | None:
    parts = text.replace("，", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OriginError(f"{text}: latitude must be within -90..90 and longitude -180..180")
    return lat, lon


def resolve_origin(
    spec: str | None, engine: Engine, settings: Settings
) -> tuple[str, float, float]:
    """'office' (or empty), 'LAT,LON', or an account id / external id -> (label, lat, lon)."""
    if not spec or spec.strip().lower() == "office":
        o = settings.office
        return o.label, o.lat, o.lon
    spec = spec.strip()
    point = parse_latlon(spec)
    if point is not None:
        return f"{point[0]:.5f},{point[1]:.5f}", point[0], point[1]
    with Session(engine) as session:
        acc = queries.find_account(session, spec)
        if acc is None:
            raise OriginError(f"{spec}: no such account, and not 'office' or LAT,LON")
        if acc.lat is None or acc.lon is None:
            raise OriginError(f"{spec}: account {acc.company} has no location; locate it first")
        return acc.company, acc.lat, acc.lon


def rank_accounts(
    engine: Engine,
    settings: Settings,
    *,
    origin: tuple[float, float],
    filters: RankFilter | None = None,
    today: date | None = None,
    account_ids: Iterable[str] | None = None,
) -> list[RankedAccount]:
    """All (or the given) accounts scored from `origin`, best first, then filtered."""
    today = today or date.today()
    ids = list(account_ids) if account_ids is not None else None
    with Session(engine) as session:
        rows = queries.account_rows(session, ids)
        facts = queries.outcome_facts(session, ids)
    ranked = score_rows(rows, facts, settings, origin=origin, today=today)
    return filter_ranked(ranked, filters or RankFilter(), today)


def score_rows(
    rows: Sequence[Any],
    facts: Mapping[str, Sequence[tuple[Any, str, date | None]]],
    settings: Settings,
    *,
    origin: tuple[float, float],
    today: date,
) -> list[RankedAccount]:
    n = len(rows)
    lats = np.array([r.lat if r.lat is not None else np.nan for r in rows], dtype=float)
    lons = np.array([r.lon if r.lon is not None else np.nan for r in rows], dtype=float)
    dist = haversine_many(origin[0], origin[1], lats, lons) if n else np.zeros(0)
    dist_list: list[float] = dist.tolist()
    scfg, dcfg, pcfg = settings.scoring, settings.dormancy, settings.phone
    out: list[RankedAccount] = []
    for i, a in enumerate(rows):
        events = facts.get(a.id, ())
        local = [(occ.astimezone().date(), res, due) for occ, res, due in events]
        stage = compute_stage(
            a.last_order_date,
            a.purchase_cycle_days,
            today,
            (OutcomeFact(d, res) for d, res, _ in local),
            dcfg,
        )
        contact = contact_state((ContactFact(d, res, due) for d, res, due in local), pcfg)
        d = dist_list[i]
        distance = None if d != d else d  # NaN: no position
        months = months_dormant(a.last_order_date, today)
        score = score_account(
            ScoreInputs(
                lifetime_revenue=a.lifetime_revenue,
                months_dormant=months,
                reason_solvable=a.reason_solvable,
                competitor_status=a.competitor_status,
                distance_km=distance,
                digital_responsiveness=a.digital_responsiveness,
            ),
            scfg,
        )
        out.append(
            RankedAccount(
                id=a.id,
                external_id=a.external_id,
                company=a.company,
                site=a.site,
                prefecture=a.prefecture,
                city=a.city,
                address=a.address,
                postal_code=a.postal_code,
                lat=a.lat,
                lon=a.lon,
                geo_precision=a.geo_precision if distance is not None else "none",
                industry=a.industry,
                contact_name=a.contact_name,
                phone=a.phone,
                owner_rep=a.owner_rep,
                lifetime_revenue=a.lifetime_revenue,
                average_order=a.average_order,
                gross_margin=a.gross_margin,
                last_order_date=a.last_order_date,
                last_product=a.last_product,
                main_reason=a.main_reason,
                do_not_contact=bool(a.do_not_contact),
                stage=stage.value,
                months_dormant=months,
                distance_km=distance,
                score=score,
                last_contact=contact.last_contact,
                next_followup=contact.next_followup,
                paused_until=contact.paused_until,
                search_key=fold(f"{a.company} {a.company_kana or ''} {a.site or ''}"),
            )
        )
    out.sort(key=lambda x: (-x.score.total, x.distance_km if x.distance_km is not None else 1e9))
    return out


def filter_ranked(
    items: Sequence[RankedAccount], f: RankFilter, today: date
) -> list[RankedAccount]:
    """Pure filter over a ranked list; order is kept."""
    ranks, stages, reasons = set(f.ranks), set(f.stages), set(f.reasons)
    prefs, cities = set(f.prefectures), set(f.cities)
    needle = fold(f.search)
    out = []
    for a in items:
        if not f.show_all and (a.do_not_contact or a.is_paused(today)):
            continue
        if ranks and a.score.rank not in ranks:
            continue
        if stages and a.stage not in stages:
            continue
        if reasons and a.main_reason not in reasons:
            continue
        if prefs and a.prefecture not in prefs:
            continue
        if cities and a.city not in cities:
            continue
        if f.owner and a.owner_rep != f.owner:
            continue
        if f.within_km is not None and (a.distance_km is None or a.distance_km > f.within_km):
            continue
        if f.due_followups and (a.next_followup is None or a.next_followup > today):
            continue
        if needle and needle not in a.search_key:
            continue
        out.append(a)
    return out
