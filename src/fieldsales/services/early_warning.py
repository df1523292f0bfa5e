"""Use case: early warning (docs/method.md#churn-signs). For a ranking, the
churn signs of every account not yet dormant, and P(alive), expected orders
and expected order value from the BG/NBD and Gamma-Gamma models fitted on the
account base's order histories.

Computed over the ranking's column arrays in one pass, separate from the
ranking itself: `warnings_for(base)` is built once per ranking (cached on it),
and `account_fields` is the one place the rank output gets the extra fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain import churn, clv
from fieldsales.domain.clock import utc_offset_minutes
from fieldsales.services.rank_table import RankBase, RankTable
from fieldsales.store import orders as order_store
from fieldsales.store import unit

_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Warnings:
    """Per position of the ranking's base."""

    signs: churn.Signs
    p_alive: npt.NDArray[np.float64]
    expected_orders: npt.NDArray[np.float64]  # in clv.horizon_days
    expected_order_value: npt.NDArray[np.float64]  # yen, one order
    order_group: npt.NDArray[np.intp]  # the orders, by base position then day
    order_day: npt.NDArray[np.int64]
    order_amount: npt.NDArray[np.int64]
    model: clv.Summary

    @property
    def expected_future_value(self) -> npt.NDArray[np.float64]:
        """Expected orders x expected order value over the horizon, yen (NaN: no model)."""
        return self.expected_orders * self.expected_order_value

    def watched(self, base: RankBase) -> npt.NDArray[np.bool_]:
        """Accounts on the early-warning list: at risk, or not yet dormant with a sign."""
        at_risk = np.array([s == "at_risk" for s in base.stage], dtype=bool)
        return at_risk | self.signs.any()

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
    return base.cached("early_warning", lambda: _compute(base))


def _compute(base: RankBase) -> Warnings:
    settings = base.settings
    n = base.n
    today = _day(np.datetime64(base.today, "D"))
    if base.engine is not None:
        with unit.reading(base.engine) as session:
            arrays = order_store.order_arrays(session)
    else:
        arrays = order_store.order_arrays_empty()
    index = base.id_index()
    local = np.array([index.get(a, -1) for a in arrays.ids], dtype=np.intp)
    pos = local[arrays.group] if len(arrays.group) else np.zeros(0, dtype=np.intp)
    keep = pos >= 0
    pos, day, amount = pos[keep], arrays.day[keep], arrays.amount[keep]
    order = np.lexsort((day, pos))
    pos, day, amount = pos[order], day[order], amount[order]

    events = base.outcomes
    # outcome days in config `timezone`, as the ranking counts them (rank_table)
    offset = timedelta(minutes=utc_offset_minutes(settings.zone()))
    shift = np.timedelta64(offset // timedelta(microseconds=1), "us")
    ev_day = ((events.occurred + shift).astype("datetime64[D]") - _EPOCH).astype(np.int64)
    # the last order: the account's own (typed or derived), or a later one logged
    last = base.last_order
    last_days = np.where(np.isnat(last), np.nan, (last - _EPOCH).astype(np.int64).astype(float))
    is_order = events.result == "order"
    if is_order.any():
        logged = np.full(n, -np.inf)
        np.maximum.at(logged, events.account[is_order], ev_day[is_order].astype(float))
        logged[np.isinf(logged)] = np.nan
        last_days = np.fmax(last_days, logged)
    cycle = np.array(
        [np.nan if v is None else float(v) for v in base.columns["purchase_cycle_days"]]
    )
    history = churn.History(
        n=n,
        today=today,
        last_order=last_days,
        interval=cycle,
        order_account=pos,
        order_day=day,
        order_amount=amount,
        event_account=events.account,
        event_day=ev_day,
        event_result=events.result,
    )
    signs = churn.compute(history, settings.churn)
    signs = churn.keep_stages(signs, base.stage, settings.churn.signal_stages)
    cfg = settings.clv
    x, t_x, T, m_x, has = clv.rfm(pos, day, amount, n, today, cfg.time_unit_days)
    model = clv.summarise(
        x, t_x, T, m_x, has, cfg.horizon_days / cfg.time_unit_days, cfg.min_accounts, cfg.penalizer
    )
    return Warnings(
        signs,
        model.p_alive,
        model.expected_orders,
        model.expected_value,
        pos,
        day,
        amount,
        model,
    )


def watch_list(table: RankTable) -> RankTable:
    """The ranked view narrowed to the early-warning list, order kept."""
    w = warnings_for(table.base)
    idx = table.indices
    return RankTable(table.base, idx[w.watched(table.base)[idx]])


def _num(value: float, digits: int) -> float | None:
    return None if np.isnan(value) else round(float(value), digits)


def account_fields(table: RankTable, position: int) -> dict[str, Any]:
    """The early-warning fields of one account (a position in the table's base)."""
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
