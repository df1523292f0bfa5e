"""Rates learned from the outcome log: counts per rank and channel, then domain.rates.

Each account counts under its rank today, ranked from the office (rank depends
on proximity); the counts come from one GROUP BY (store.queries.contact_funnel)
and are summed per rank with numpy.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fieldsales.config import Settings
from fieldsales.domain import results
from fieldsales.domain.rates import CHANNELS, RANKS, Counts, LearnedRate, learn, learned_rates
from fieldsales.services.rank import rank_accounts
from fieldsales.services.rank_table import RankBase
from fieldsales.store import reads

if TYPE_CHECKING:
    from fieldsales.store.reads import Source


def rate_counts(
    engine: Source,
    settings: Settings,
    *,
    today: date | None = None,
    base: RankBase | None = None,
) -> dict[tuple[str, str], Counts]:
    """Contacts, appointments and closes per (rank, channel) from the outcomes in effect.

    `base`: a ranking already at hand (the planner's), so that nothing is ranked
    twice; its outcome events, read with their channel, are counted without
    another query.
    """
    with_events = None if base is None else _funnel_of(base)
    if base is not None and with_events is not None:
        pos, chan_code, appt, closed = with_events
    else:
        rows = reads.contact_funnel(engine)
        if not rows:
            return {}
        if base is None:
            office = (settings.office.lat, settings.office.lon)
            base = rank_accounts(engine, settings, origin=office, today=today).base
        # every account, paused and do-not-contact included
        acc, channel, appointed, closes = zip(*rows, strict=True)
        pos = base.id_keys().positions_of_text(acc)
        chan_code = np.fromiter(
            map({c: k for k, c in enumerate(CHANNELS)}.get, channel, itertools.repeat(-1)),
            dtype=np.int64,
            count=len(channel),
        )
        appt = np.array(appointed, dtype=np.int64)
        closed = np.array(closes, dtype=np.int64)
    return _count(base, pos, chan_code, appt, closed)


def _funnel_of(
    base: RankBase,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], Any, Any] | None:
    """What queries.contact_funnel gives, from the ranking's own outcome events:
    per (account, channel) with an outcome in effect, its position and channel
    code, and whether an appointment (1/0) and an order (1/0) were logged.
    None when the events were read without their channel."""
    ev = base.outcomes
    if ev.channel is None:
        return None
    if not len(ev):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64), 0, 0
    names, code_of = np.unique(ev.channel, return_inverse=True)
    known = np.array([CHANNELS.index(c) if c in CHANNELS else -1 for c in names.tolist()])
    chan = known[code_of]
    keep = (chan >= 0) & (ev.account >= 0)
    pair = ev.account[keep].astype(np.int64) * len(CHANNELS) + chan[keep]
    pairs, which = np.unique(pair, return_inverse=True)
    appointed = np.isin(ev.result[keep], list(results.APPOINTED))
    ordered = np.isin(ev.result[keep], list(results.ORDERED))
    appt = (np.bincount(which, weights=appointed, minlength=len(pairs)) > 0).astype(np.int64)
    closed = (np.bincount(which, weights=ordered, minlength=len(pairs)) > 0).astype(np.int64)
    return (pairs // len(CHANNELS)).astype(np.intp), pairs % len(CHANNELS), appt, closed


def _count(
    base: RankBase, pos: Any, chan_code: Any, appt: Any, closed: Any
) -> dict[tuple[str, str], Counts]:
    """Per (account, channel) pairs summed per (rank, channel), in one bincount pass each."""
    if not len(pos):
        return {}
    ranks = np.where(pos >= 0, base.ranks[pos], "")
    close = np.asarray(closed, dtype=np.int64) * appt  # closes among appointments
    # one cell per (rank, channel) pair, counted in one pass (bincount) per figure
    rank_code = np.full(len(ranks), -1, dtype=np.int64)
    for k, r in enumerate(RANKS):
        rank_code[ranks == r] = k
    known = (rank_code >= 0) & (chan_code >= 0)
    cell = (rank_code * len(CHANNELS) + chan_code)[known]
    size = len(RANKS) * len(CHANNELS)
    contacts = np.bincount(cell, minlength=size)
    appts = np.bincount(cell, weights=np.asarray(appt)[known], minlength=size)
    closes = np.bincount(cell, weights=close[known], minlength=size)
    out: dict[tuple[str, str], Counts] = {}
    for r_k, r in enumerate(RANKS):
        for c_k, c in enumerate(CHANNELS):
            k = r_k * len(CHANNELS) + c_k
            if contacts[k]:
                out[(r, c)] = Counts(int(contacts[k]), int(appts[k]), int(closes[k]))
    return out


def rate_table(
    engine: Source,
    settings: Settings,
    *,
    today: date | None = None,
    base: RankBase | None = None,
) -> list[LearnedRate]:
    return learn(rate_counts(engine, settings, today=today, base=base), settings)


def current_learned_rates(
    engine: Source, settings: Settings, *, today: date | None = None
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
