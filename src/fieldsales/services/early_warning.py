"""Use case: early warning (docs/method.md#churn-signs). For a ranking, the
churn signs of every account not yet dormant, and P(alive), expected orders
and expected order value from the BG/NBD and Gamma-Gamma models fitted on the
account base's order histories.

Computed over the ranking's column arrays, separate from the ranking itself:
`warnings_for(base)` covers every account (cached on the ranking; a filter
such as `--signals` needs it), `warnings_at(base, positions)` only the
accounts shown (the top 20 reads the orders of those 20). `listing_fields`
gives the rank output its extra fields a batch at a time, from whichever of
the two is cheaper for the view; a long view takes every account's figures
from `day_figures`, which a SQLite file keeps for the day and config
(store/warning_days.py): the day's first full listing computes them, the
next ones read them back.

The models' parameters are fitted once per order data and `clv:` config and
kept in the database (store/orders.keep_fit): a ranking reads them back and
only scores, unless orders or the config changed since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain import churn, clv
from fieldsales.domain.clock import utc_offset_minutes
from fieldsales.domain.rounding import round_many
from fieldsales.services.rank_table import RankBase, RankTable
from fieldsales.store import reads, warning_days
from fieldsales.store.columns import order_arrays_empty
from fieldsales.store.lite import SqliteFile
from fieldsales.store.warning_days import Figures

_EPOCH = np.datetime64("1970-01-01", "D")
# A view of more accounts than this computes the warnings of the whole base
# once (one scan of the orders) instead of reading the orders of each batch.
SUBSET_AT_MOST = 2000


@dataclass
class Warnings:
    """Per account of `positions` (positions in the ranking's base; for the
    whole base, position k is account k)."""

    positions: npt.NDArray[np.intp]
    signs: churn.Signs
    p_alive: npt.NDArray[np.float64]
    expected_orders: npt.NDArray[np.float64]  # in clv.horizon_days
    expected_order_value: npt.NDArray[np.float64]  # yen, one order
    order_group: npt.NDArray[np.intp]  # the orders, by index into positions, then day
    order_day: npt.NDArray[np.int64]
    order_amount: npt.NDArray[np.int64]
    model: clv.Summary

    def figures(self) -> Figures:
        """What a listing shows of each account (columns_of)."""
        return Figures(
            self.signs.names,
            self.signs.fired,
            self.p_alive,
            self.expected_orders,
            self.expected_order_value,
        )

    @property
    def expected_future_value(self) -> npt.NDArray[np.float64]:
        """Expected orders x expected order value over the horizon, yen (NaN: no model)."""
        return self.expected_orders * self.expected_order_value

    def watched(self, base: RankBase) -> npt.NDArray[np.bool_]:
        """Accounts on the early-warning list: at risk, or not yet dormant with a sign."""
        stage = base.cached("stage_array", lambda: np.asarray(base.stage))
        at_risk = stage[self.positions] == "at_risk"
        return np.asarray(at_risk | self.signs.any(), dtype=bool)

    def orders_of(self, i: int) -> list[tuple[date, int]]:
        lo, hi = np.searchsorted(self.order_group, [i, i + 1])
        return [
            (date(1970, 1, 1) + timedelta(days=int(d)), int(a))
            for d, a in zip(self.order_day[lo:hi], self.order_amount[lo:hi], strict=True)
        ]


def _day(value: np.datetime64) -> int:
    return int((value.astype("datetime64[D]") - _EPOCH).astype(np.int64))


def warnings_for(base: RankBase) -> Warnings:
    """Churn signs and model figures for every account of the ranking (cached on it)."""
    return base.cached("early_warning", lambda: _compute(base, None))


def warnings_at(base: RankBase, positions: Sequence[int] | npt.NDArray[np.intp]) -> Warnings:
    """The same for these accounts only (positions in the base): their orders
    and outcomes alone are read. Index k of the result is positions[k]."""
    return _compute(base, np.asarray(positions, dtype=np.intp))


def _cycle(base: RankBase, positions: npt.NDArray[np.intp] | None) -> npt.NDArray[np.float64]:
    values: Any = base.columns["purchase_cycle_days"]
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values if positions is None else values[positions]
    picked = values if positions is None else [values[int(p)] for p in positions]
    return np.array([np.nan if v is None else float(v) for v in picked], dtype=float)


def _compute(base: RankBase, positions: npt.NDArray[np.intp] | None) -> Warnings:
    settings = base.settings
    whole = positions is None
    pos_all = np.arange(base.n, dtype=np.intp) if positions is None else positions
    n = len(pos_all)
    today = _day(np.datetime64(base.today, "D"))
    if base.engine is not None and n:
        wanted = None if whole else [base.ids[int(p)] for p in pos_all]
        arrays = reads.order_arrays(base.engine, wanted, by_id=False)  # found by id below
    else:
        arrays = order_arrays_empty()
    index = base.id_index() if whole else {base.ids[int(p)]: k for k, p in enumerate(pos_all)}
    local = np.array([index.get(a, -1) for a in arrays.ids], dtype=np.intp)
    pos = local[arrays.group] if len(arrays.group) else np.zeros(0, dtype=np.intp)
    keep = pos >= 0
    # the whole base holds every account with orders: its histories are what a fit reads
    complete = whole and bool(keep.all())
    pos, day, amount = pos[keep], arrays.day[keep], arrays.amount[keep]
    order = churn.by_group_then_day(pos, day)
    pos, day, amount = pos[order], day[order], amount[order]

    events = base.outcomes
    ev_account, ev_occurred, ev_result = events.account, events.occurred, events.result
    if not whole:
        # the events of these accounts, in time order, by index into positions
        where = np.full(base.n, -1, dtype=np.intp)
        where[pos_all] = np.arange(n, dtype=np.intp)
        mine = where[ev_account] if len(ev_account) else np.zeros(0, dtype=np.intp)
        kept = mine >= 0
        ev_account, ev_occurred, ev_result = mine[kept], ev_occurred[kept], ev_result[kept]
    # outcome days in config `timezone`, as the ranking counts them (rank_table)
    offset = timedelta(minutes=utc_offset_minutes(settings.zone()))
    shift = np.timedelta64(offset // timedelta(microseconds=1), "us")
    ev_day = ((ev_occurred + shift).astype("datetime64[D]") - _EPOCH).astype(np.int64)
    # the last order: the account's own (typed or derived), or a later one logged
    last = base.last_order[pos_all]
    last_days = np.where(np.isnat(last), np.nan, (last - _EPOCH).astype(np.int64).astype(float))
    is_order = ev_result == "order"
    if is_order.any():
        logged = np.full(n, -np.inf)
        np.maximum.at(logged, ev_account[is_order], ev_day[is_order].astype(float))
        logged[np.isinf(logged)] = np.nan
        last_days = np.fmax(last_days, logged)
    history = churn.History(
        n=n,
        today=today,
        last_order=last_days,
        interval=_cycle(base, None if whole else pos_all),
        order_account=pos,
        order_day=day,
        order_amount=amount,
        event_account=ev_account,
        event_day=ev_day,
        event_result=ev_result,
    )
    signs = churn.compute(history, settings.churn)
    stage = base.cached("stage_array", lambda: np.asarray(base.stage))
    signs = churn.keep_stages(signs, stage[pos_all], settings.churn.signal_stages)
    cfg = settings.clv
    x, t_x, T, m_x, has = clv.rfm(pos, day, amount, n, today, cfg.time_unit_days)
    bg, gg = fitted(base, (x, t_x, T, m_x, has) if complete else None)
    model = clv.score(bg, gg, x, t_x, T, m_x, has, cfg.horizon_days / cfg.time_unit_days)
    return Warnings(
        pos_all,
        signs,
        model.p_alive,
        model.expected_orders,
        model.expected_value,
        pos,
        day,
        amount,
        model,
    )


Fit = tuple[clv.BgNbd | None, clv.GammaGamma | None]


def _fit_config(settings: Any) -> str:
    """What of config `clv:` shapes the fit (the horizon only scores)."""
    c = settings.clv
    return f"clv:{c.time_unit_days}:{c.min_accounts}:{c.penalizer}"


def _dump(fit: Fit, today: date) -> str:
    bg, gg = fit
    return json.dumps(
        {
            "bgnbd": None if bg is None else list(bg.params),
            "gamma_gamma": None if gg is None else [gg.p, gg.q, gg.gamma],
            "fitted_on": today.isoformat(),
        }
    )


def _load(text: str) -> Fit | None:
    try:
        data = json.loads(text)
        bg = data["bgnbd"]
        gg = data["gamma_gamma"]
        return (
            None if bg is None else clv.BgNbd(*(float(v) for v in bg)),
            None if gg is None else clv.GammaGamma(*(float(v) for v in gg)),
        )
    except (ValueError, KeyError, TypeError):
        return None  # a damaged row: fit again


RFM = tuple[Any, Any, Any, Any, Any]


def fitted(base: RankBase, rfm: RFM | None = None) -> Fit:
    """The BG/NBD and Gamma-Gamma parameters for this base's order data: kept
    ones when the fingerprint of the orders and config still holds, else
    fitted now on every account's history (`rfm`: already computed for the
    whole base) and kept. Cached on the ranking."""
    return base.cached("clv_fit", lambda: _fitted(base, rfm))


def _fitted(base: RankBase, rfm: RFM | None) -> Fit:
    cfg = base.settings.clv
    if base.engine is None:
        return _fit_now(base, rfm)
    fingerprint = reads.fit_fingerprint(base.engine, _fit_config(base.settings))
    text = reads.kept_fit(base.engine, fingerprint)
    kept = None if text is None else _load(text)
    if kept is not None:
        return kept
    if rfm is None:
        arrays = reads.order_arrays(base.engine)
        n = len(arrays.ids)
        today = _day(np.datetime64(base.today, "D"))
        rfm = clv.rfm(arrays.group, arrays.day, arrays.amount, n, today, cfg.time_unit_days)
    x, t_x, T, m_x, has = rfm
    fit = clv.fit(x, t_x, T, m_x, has, cfg.min_accounts, cfg.penalizer)
    from fieldsales.store import orders

    orders.keep_fit(reads.as_engine(base.engine), fingerprint, _dump(fit, base.today))
    return fit


def _fit_now(base: RankBase, rfm: RFM | None) -> Fit:
    if rfm is None:
        return None, None  # no database, no orders
    cfg = base.settings.clv
    x, t_x, T, m_x, has = rfm
    return clv.fit(x, t_x, T, m_x, has, cfg.min_accounts, cfg.penalizer)


def watch_list(table: RankTable) -> RankTable:
    """The ranked view narrowed to the early-warning list, order kept."""
    w = warnings_for(table.base)
    idx = table.indices
    return RankTable(table.base, idx[w.watched(table.base)[idx]])


def _num(value: float, digits: int) -> float | None:
    return None if np.isnan(value) else round(float(value), digits)


def account_fields(table: RankTable, position: int) -> dict[str, Any]:
    """The early-warning fields of one account (a position in the table's base):
    the reference the batch form (`fields_of`) is tested against."""
    w = warnings_for(table.base)
    value = w.expected_order_value[position]
    future = w.expected_future_value[position]
    return {
        "signals": w.signs.of(position),
        "p_alive": _num(w.p_alive[position], 3),
        "expected_orders": _num(w.expected_orders[position], 2),
        "expected_order_value": None if np.isnan(value) else round(float(value)),
        "expected_future_value": None if np.isnan(future) else round(float(future)),
    }


FIELDS = ("signals", "p_alive", "expected_orders", "expected_order_value", "expected_future_value")


def columns_of(w: Warnings | Figures, rows: npt.NDArray[np.intp]) -> dict[str, list[Any]]:
    """The early-warning fields (FIELDS) of rows `rows` of `w` (indices into
    w.positions) as columns, a whole batch at once."""
    if isinstance(w, Warnings):
        w = w.figures()
    names = w.names
    fired = w.fired[rows]
    signals: list[list[str]] = [[] for _ in range(len(rows))]
    for r, k in zip(*np.nonzero(fired), strict=True):
        signals[int(r)].append(names[int(k)])

    def rounded(values: npt.NDArray[np.float64], digits: int | None) -> list[Any]:
        if len(values) and np.isnan(values).all():
            return [None] * len(values)  # no model: no figures (a base without orders)
        return round_many(values, digits)  # round() of each, the batch at once

    return {
        "signals": signals,
        "p_alive": rounded(w.p_alive[rows], 3),
        "expected_orders": rounded(w.expected_orders[rows], 2),
        "expected_order_value": rounded(w.expected_order_value[rows], None),
        # of these rows only (the property multiplies every account's)
        "expected_future_value": rounded(
            w.expected_orders[rows] * w.expected_order_value[rows], None
        ),
    }


def fields_of(w: Warnings | Figures, rows: npt.NDArray[np.intp]) -> list[dict[str, Any]]:
    """The same, one dict per row."""
    cols = columns_of(w, rows)
    return [dict(zip(FIELDS, values, strict=True)) for values in zip(*cols.values(), strict=True)]


def listing_fields(table: RankTable) -> Callable[[Sequence[int]], dict[str, list[Any]]]:
    """For a listing of `table`: what gives a batch of its accounts (positions
    in the base) their early-warning fields, as columns (columns_of). A short
    view (top 20) reads the orders of its own accounts only; a long one, or a
    base whose warnings are at hand already, uses the whole base's."""
    base = table.base
    if len(table) > SUBSET_AT_MOST or base.computed() & {"early_warning", "warning_figures"}:
        w = day_figures(base)
        return lambda positions: columns_of(w, np.asarray(positions, dtype=np.intp))
    return lambda positions: columns_of(
        warnings_at(base, positions), np.arange(len(positions), dtype=np.intp)
    )


# The form of what a SQLite file keeps of a day's figures (store/warning_days.py):
# a new one, or a new version of the app, computes them afresh.
KEPT_FORMAT = "1"


def day_key(base: RankBase) -> str:
    """What a day's figures were computed with beside the data: the day, every
    setting (churn, clv, the time zone, what decides the stages, ...) and the
    app's version. A change of any of them computes them afresh."""
    import hashlib

    from fieldsales import __version__

    settings = base.settings.model_dump_json(exclude={"source_files"})  # values, not their file
    text = "|".join((KEPT_FORMAT, __version__, base.today.isoformat(), settings))
    return hashlib.sha1(text.encode()).hexdigest()


def day_figures(base: RankBase) -> Figures:
    """Every account's early-warning figures for a listing: those a SQLite file
    keeps for this day, config and accounts, else computed from the whole
    base (warnings_for) and kept (the data they come from unchanged since:
    store/warning_days.py). Cached on the ranking."""
    return base.cached("warning_figures", lambda: _day_figures(base))


def _day_figures(base: RankBase) -> Figures:
    source = base.engine
    if not isinstance(source, SqliteFile) or "early_warning" in base.computed():
        return warnings_for(base).figures()
    key = day_key(base)
    digest = warning_days.ids_digest(base.ids)
    kept = warning_days.read(source, key, base.n, digest)
    if kept is not None:
        return kept
    keeping = warning_days.begin(source)
    figures = warnings_for(base).figures()
    if keeping:
        warning_days.keep(source, key, digest, figures)
    return figures


def future_deals(base: RankBase) -> npt.NDArray[np.float64]:
    """The deal size where config clv.deal_from_expected_value asks for it:
    expected orders x expected order value over the horizon (NaN: no model)."""
    return warnings_for(base).expected_future_value


@dataclass
class WatchRow:
    """One account of the early-warning list, as the app shows it."""

    account_id: str
    company: str
    site: str | None
    rank: str
    stage: str
    signs: list[str]
    p_alive: float | None
    expected_orders: float | None
    channel: str  # the first channel for an account not yet dormant (churn.channel_by_rank)
    monthly: list[float]  # order totals per month, oldest first, the last one this month
    last_order: date | None
    interval_days: float | None


MONTH_DAYS = 365.25 / 12


def watch_rows(table: RankTable, months: int) -> list[WatchRow]:
    """The early-warning list of a ranking (best first), with what each row shows."""
    base = table.base
    w = warnings_for(base)
    view = watch_list(table)
    channels = base.settings.churn.channel_by_rank
    today = base.today
    out = []
    for i, account in zip(view.indices, view, strict=True):
        totals = [0.0] * months
        for day, amount in w.orders_of(int(i)):
            back = int((today - day).days // MONTH_DAYS)
            if 0 <= back < months:
                totals[months - 1 - back] += amount
        alive, expected = w.p_alive[i], w.expected_orders[i]
        cycle = base.columns["purchase_cycle_days"][i]
        out.append(
            WatchRow(
                account_id=account.id,
                company=account.company,
                site=account.site,
                rank=account.rank,
                stage=account.stage,
                signs=w.signs.of(int(i)),
                p_alive=None if np.isnan(alive) else float(alive),
                expected_orders=None if np.isnan(expected) else float(expected),
                channel=channels[account.rank],  # type: ignore[index]
                monthly=totals,
                last_order=account.last_order_date,
                interval_days=None if cycle is None else float(cycle),
            )
        )
    return out
