"""Use case: rank the accounts from a reference point (docs/method.md#stages, #score-and-ranks, #care-points).

Two queries load what ranking needs of every account and its outcome facts;
services.rank_table computes stage, distance and score for all of them at
once, so 100,000 accounts rank in about a second. Filtering and sorting are
vectorised views, so the app can refilter 100,000 accounts on each key press
without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from fieldsales.config import Settings
from fieldsales.domain.clock import today_in
from fieldsales.errors import UserError
from fieldsales.i18n import N_
from fieldsales.services.rank_table import (
    KEPT_SCORES,
    RankBase,
    RankedAccount,
    RankFilter,
    RankTable,
)
from fieldsales.store import reads
from fieldsales.store.columns import IdIndex, kept_rank_fields

if TYPE_CHECKING:
    from fieldsales.store.reads import Source

__all__ = [
    "OriginError",
    "RankFilter",
    "RankTable",
    "RankedAccount",
    "filter_ranked",
    "parse_latlon",
    "rank_accounts",
    "rank_top",
    "resolve_origin",
]


class OriginError(UserError, ValueError):
    """A reference point that cannot be resolved; the message says why.

    `key` is the same message as an English msgid (translated by the app),
    `values` fill it in.
    """

    title = "Reference point"

    def __init__(self, message: str, key: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def parse_latlon(text: str) -> tuple[float, float] | None:
    parts = text.replace("，", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise OriginError(
            f"{text}: latitude must be within -90..90 and longitude -180..180",
            N_("{text}: latitude must be within -90..90 and longitude -180..180"),
            text=text,
        )
    return lat, lon


def resolve_origin(
    spec: str | None, engine: Source, settings: Settings
) -> tuple[str, float, float]:
    """'office' (or empty), 'LAT,LON', an account id / external id, or a postal code or
    address located offline -> (label, lat, lon)."""
    if not spec or spec.strip().lower() == "office":
        o = settings.office
        return o.label, o.lat, o.lon
    spec = spec.strip()
    point = parse_latlon(spec)
    if point is not None:
        return f"{point[0]:.5f},{point[1]:.5f}", point[0], point[1]
    from fieldsales.store import queries, unit

    with unit.reading(engine) as session:
        acc = queries.find_account(session, spec)
        if acc is not None:
            if acc.lat is None or acc.lon is None:
                raise OriginError(
                    f"{spec}: account {acc.company} has no location; locate it first",
                    N_("{text}: account {company} has no location; locate it first"),
                    text=spec,
                    company=acc.company,
                )
            return acc.company, acc.lat, acc.lon
    from fieldsales.services.first_run import locate_office

    place = locate_office(spec)
    if place is None:
        raise OriginError(
            f"{spec}: not an account, nor a postal code or address found offline; "
            "type office, an account id, a postal code, an address or LAT,LON",
            N_(
                "{text}: not an account, nor a postal code or address found offline; "
                "type office, an account id, a postal code, an address or LAT,LON"
            ),
            text=spec,
        )
    return place.label, place.lat, place.lon


def rank_accounts(
    engine: Source,
    settings: Settings,
    *,
    origin: tuple[float, float],
    filters: RankFilter | None = None,
    today: date | None = None,
    account_ids: Iterable[str] | None = None,
    extra: Sequence[str] = (),
) -> RankTable:
    """All (or the given) accounts scored from `origin`, best first, then filtered.

    `extra` names more account columns to fetch in the same query (planning
    asks for queries.PLANNING_FIELDS); they land in RankBase.extra.
    """
    base = _ranked_base(engine, settings, origin, today, account_ids, extra)
    table = RankTable(base, base.order)
    return (
        table.filter(filters, base.today)
        if filters is not None
        else table.filter(RankFilter(), base.today)
    )


def rank_top(
    engine: Source,
    settings: Settings,
    *,
    origin: tuple[float, float],
    filters: RankFilter,
    top: int,
    today: date | None = None,
) -> tuple[RankTable, int]:
    """rank_accounts(...)[:top] and len(rank_accounts(...)): the best `top`
    accounts that pass the filters and how many pass them, without ordering
    every account (a CLI that shows the top N)."""
    base = _ranked_base(engine, settings, origin, today, None, ())
    passed = RankTable(base, np.arange(base.n, dtype=np.intp)).filter(filters, base.today)
    return RankTable(base, base.best(passed.indices, top)), len(passed)


def _ranked_base(
    engine: Source,
    settings: Settings,
    origin: tuple[float, float],
    today: date | None,
    account_ids: Iterable[str] | None,
    extra: Sequence[str],
) -> RankBase:
    today = today or today_in(settings.zone())
    ids = list(account_ids) if account_ids is not None else None
    kept = reads.kept_inputs(engine, settings.scoring) if ids is None and not extra else None
    if kept is not None:  # every account's inputs, packed (store/rank_blocks.py)
        # the kept score texts are not read (the blocks hold the scores); the name
        # stays, so that re-scoring one account (services/rank_update.py) reads
        # the columns a ranking from the tables reads
        unread = np.zeros(len(kept.columns["id"]), dtype="S1")
        columns: dict[str, Any] = {
            **kept.columns,
            "static_scores": unread,
            KEPT_SCORES: kept.scores,
        }
        base = RankBase(columns, kept.outcomes, settings, origin=origin, today=today, engine=engine)
    else:
        columns = reads.rank_columns(engine, ids, extra, names=kept_rank_fields(extra))
        index = IdIndex(columns["id"])
        outcomes = reads.outcome_columns(
            engine, columns["id"], all_accounts=ids is None, index=index
        )
        base = RankBase(columns, outcomes, settings, origin=origin, today=today, engine=engine)
        base.cached("id_keys", lambda: index)
    base.extra = {name: columns[name] for name in extra}
    return base


def filter_ranked(items: RankTable, f: RankFilter, today: date) -> RankTable:
    """Filter a ranked table (vectorised); order is kept."""
    return items.filter(f, today)
