"""Rates learned from the outcome log: counts per rank and channel, then domain.rates.

Each account counts under its rank today, ranked from the office (rank depends
on proximity); the counts come from one GROUP BY (store.queries.contact_funnel)
and are summed per rank with numpy.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from fieldsales.config import Settings
from fieldsales.domain.rates import CHANNELS, RANKS, Counts, LearnedRate, learn, learned_rates
from fieldsales.services.rank import rank_accounts
from fieldsales.services.rank_table import RankBase
from fieldsales.store import queries, unit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def rate_counts(
    engine: Engine,
    settings: Settings,
    *,
    today: date | None = None,
    base: RankBase | None = None,
) -> dict[tuple[str, str], Counts]:
    """Contacts, appointments and closes per (rank, channel) from the outcomes in effect.

    `base`: a ranking already at hand (the planner's), so that nothing is ranked twice.
    """
    with unit.reading(engine) as session:
        rows = queries.contact_funnel(session)
    if not rows:
        return {}
    if base is None:
        office = (settings.office.lat, settings.office.lon)
        base = rank_accounts(engine, settings, origin=office, today=today).base
    # every account, paused and do-not-contact included
    acc, channel, appointed, closed = zip(*rows, strict=True)
    pos = base.id_keys().positions_of_text(acc)
    ranks = np.where(pos >= 0, base.ranks[pos], "")
    channels = np.array(channel, dtype=str)
    appt = np.array(appointed, dtype=np.int64)
    close = np.array(closed, dtype=np.int64) * appt  # closes among appointments
    out: dict[tuple[str, str], Counts] = {}
    for r in RANKS:
        for c in CHANNELS:
            m = (ranks == r) & (channels == c)
            if m.any():
                out[(r, c)] = Counts(int(m.sum()), int(appt[m].sum()), int(close[m].sum()))
    return out


def rate_table(
    engine: Engine,
    settings: Settings,
    *,
    today: date | None = None,
    base: RankBase | None = None,
) -> list[LearnedRate]:
    return learn(rate_counts(engine, settings, today=today, base=base), settings)


def current_learned_rates(
    engine: Engine, settings: Settings, *, today: date | None = None
) -> dict[tuple[str, str], tuple[float, float]]:
    """The `learned` mapping for domain.roi.rates, from this database."""
    return learned_rates(rate_counts(engine, settings, today=today), settings)


def learned_for(base: RankBase, settings: Settings) -> dict[tuple[str, str], tuple[float, float]]:
    """The learned rates for a ranking, computed once per ranking (the planner's rates)."""

    def build() -> dict[tuple[str, str], tuple[float, float]]:
        if base.engine is None:
            return learned_rates({}, settings)
        return learned_rates(rate_counts(base.engine, settings, base=base), settings)

    return base.cached("learned_rates", build)
