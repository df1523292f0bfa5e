"""docs/method.md#churn-signs (離脱予兆): the signs that an
account is slipping, from its order history and the outcome log; pure numpy,
for every account at once. Every threshold is config `churn:`.

Signs (ids, labelled in i18n/labels.py):
- interval_growth: days since the last order >= interval_ratio x the usual interval;
- gaps_lengthening: the mean of the last `recent_gaps` gaps >= gap_growth x the
  mean of the gaps before them (利用間隔の伸び);
- amount_drop: purchases in the last `amount_window_months` at or under
  amount_drop_ratio of the window before (年間購入額が前年比50%以下);
- amounts_shrinking: the mean of the last `recent_orders` orders <=
  amount_shrink_ratio x the mean of the orders before them;
- no_reaction: the last `unanswered_contacts` contacts all unanswered;
- each rule of `churn.rules` (its name): all its conditions hold, e.g. "no
  order for 9 months AND no reaction to the last 3 contacts".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fieldsales.config import Churn

DAYS_PER_MONTH = 365.25 / 12
SIGNS = (
    "interval_growth",
    "gaps_lengthening",
    "amount_drop",
    "amounts_shrinking",
    "no_reaction",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class History:
    """What the signs read, for n accounts. Days are day numbers (days since
    1970-01-01); orders sorted by account then day; events in time order."""

    n: int
    today: int
    last_order: FloatArray  # the last order (imported or logged); NaN: none known
    interval: FloatArray  # the usual interval in days; NaN: unknown
    order_account: npt.NDArray[np.intp]
    order_day: IntArray
    order_amount: IntArray
    event_account: npt.NDArray[np.intp]
    event_day: IntArray
    event_result: npt.NDArray[np.str_]


@dataclass
class Signs:
    """Which signs fired (n x len(names)) and the figures behind them."""

    names: tuple[str, ...]
    fired: npt.NDArray[np.bool_]
    interval_ratio: FloatArray  # days since the last order / usual interval
    amount_ratio: FloatArray  # last window / the window before (NaN: nothing before)
    unanswered: IntArray  # contacts unanswered since the last answered one

    def of(self, i: int) -> list[str]:
        return [self.names[k] for k in np.flatnonzero(self.fired[i])]

    def any(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.fired.any(axis=1), dtype=bool)


def by_group_then_day(
    group: npt.NDArray[np.intp], day: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """np.lexsort((day, group)): the order sorting by group, then day, ties kept
    in their order; one stable sort of a combined key (group in the high bits),
    several times faster on millions of orders, and no sort at all when they
    come sorted already."""
    if not len(day):
        return np.zeros(0, dtype=np.intp)
    low = int(day.min())
    span = int(day.max()) - low
    if span >= 1 << 31 or int(group.min()) < 0 or int(group.max()) >= 1 << 31:
        return np.lexsort((day, group)).astype(np.intp)  # beyond the key's room
    key = group.astype(np.int64) << 32
    key += day - low
    if bool((key[1:] >= key[:-1]).all()):  # sorted already (kept blocks, one account's)
        return np.arange(len(key), dtype=np.intp)
    return np.argsort(key, kind="stable").astype(np.intp)


def _group_starts(group: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    if not len(group):
        return np.zeros(0, dtype=np.intp)
    return np.concatenate(([0], np.flatnonzero(group[1:] != group[:-1]) + 1)).astype(np.intp)


def _recent_vs_earlier(
    group: npt.NDArray[np.intp], values: FloatArray, n: int, recent: int, min_earlier: int
) -> tuple[FloatArray, FloatArray]:
    """Per group (values in time order): mean of the last `recent` values and
    mean of those before; NaN where fewer than `min_earlier` come before."""
    recent_mean = np.full(n, np.nan)
    earlier_mean = np.full(n, np.nan)
    if not len(values):
        return recent_mean, earlier_mean
    starts = _group_starts(group)
    sizes = np.diff(np.append(starts, len(values)))
    ok = sizes >= recent + min_earlier
    if not ok.any():
        return recent_mean, earlier_mean
    csum = np.concatenate(([0.0], np.cumsum(values, dtype=float)))
    ends = starts + sizes
    cut = ends - recent
    g = group[starts]
    recent_mean[g[ok]] = (csum[ends[ok]] - csum[cut[ok]]) / recent
    earlier_mean[g[ok]] = (csum[cut[ok]] - csum[starts[ok]]) / (cut[ok] - starts[ok])
    return recent_mean, earlier_mean


def _gaps(h: History) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Gaps between distinct order days, per account, in time order."""
    g, d = h.order_account, h.order_day
    if len(d) < 2:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    distinct = np.ones(len(d), dtype=bool)
    distinct[1:] = (g[1:] != g[:-1]) | (d[1:] != d[:-1])
    g, d = g[distinct], d[distinct]
    same = g[1:] == g[:-1]
    return g[1:][same], np.diff(d)[same].astype(float)


def compute(h: History, cfg: Churn) -> Signs:
    n, today = h.n, h.today
    with np.errstate(divide="ignore", invalid="ignore"):
        since = today - h.last_order
        interval_ratio = np.where(h.interval > 0, since / h.interval, np.nan)
    columns: dict[str, npt.NDArray[np.bool_]] = {}
    columns["interval_growth"] = np.nan_to_num(interval_ratio, nan=-1.0) >= cfg.interval_ratio

    gap_group, gaps = _gaps(h)
    recent_gap, earlier_gap = _recent_vs_earlier(
        gap_group, gaps, n, cfg.recent_gaps, cfg.min_earlier_gaps
    )
    with np.errstate(invalid="ignore"):
        columns["gaps_lengthening"] = (
            np.nan_to_num(recent_gap - cfg.gap_growth * earlier_gap, nan=-1.0) >= 0
        )

    window = cfg.amount_window_months * DAYS_PER_MONTH
    age = today - h.order_day
    amounts = h.order_amount.astype(float)
    last_window = np.bincount(
        h.order_account, weights=np.where(age < window, amounts, 0.0), minlength=n
    )
    before = np.bincount(
        h.order_account,
        weights=np.where((age >= window) & (age < 2 * window), amounts, 0.0),
        minlength=n,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        amount_ratio = np.where(before > 0, last_window / before, np.nan)
    columns["amount_drop"] = np.nan_to_num(amount_ratio, nan=np.inf) <= cfg.amount_drop_ratio

    recent_amt, earlier_amt = _recent_vs_earlier(
        h.order_account, amounts, n, cfg.recent_orders, cfg.min_earlier_orders
    )
    with np.errstate(invalid="ignore"):
        columns["amounts_shrinking"] = (
            np.nan_to_num(cfg.amount_shrink_ratio * earlier_amt - recent_amt, nan=-1.0) >= 0
        )

    unanswered, last_reaction = _contacts(h, cfg)
    columns["no_reaction"] = unanswered >= cfg.unanswered_contacts

    reaction = np.fmax(last_reaction, h.last_order)
    for name, rule in cfg.rules.items():
        hit = np.ones(n, dtype=bool)
        if rule.months_without_order is not None:
            hit &= np.nan_to_num(since, nan=np.inf) >= rule.months_without_order * DAYS_PER_MONTH
        if rule.unanswered_contacts is not None:
            hit &= unanswered >= rule.unanswered_contacts
        if rule.amount_ratio_at_most is not None:
            hit &= np.nan_to_num(amount_ratio, nan=np.inf) <= rule.amount_ratio_at_most
        if rule.months_without_reaction is not None:
            quiet = np.nan_to_num(today - reaction, nan=np.inf)
            hit &= quiet >= rule.months_without_reaction * DAYS_PER_MONTH
        if rule.interval_ratio_at_least is not None:
            hit &= np.nan_to_num(interval_ratio, nan=-1.0) >= rule.interval_ratio_at_least
        columns[name] = hit
    names = tuple(columns)
    fired = np.stack([columns[k] for k in names], axis=1) if n else np.zeros((0, len(names)), bool)
    return Signs(names, fired, interval_ratio, amount_ratio, unanswered)


def _contacts(h: History, cfg: Churn) -> tuple[IntArray, FloatArray]:
    """Per account: how many of the latest contacts went unanswered in a row,
    and the day of the last reaction (any other result), NaN: none."""
    n = h.n
    acc, res = h.event_account, h.event_result
    unanswered = np.zeros(n, dtype=np.int64)
    last_reaction = np.full(n, np.nan)
    if not len(acc):
        return unanswered, last_reaction
    silent = np.isin(res, list(cfg.unanswered_results))
    pos = np.arange(len(acc))
    last_answered = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_answered, acc[~silent], pos[~silent])
    trailing = silent & (pos > last_answered[acc])
    unanswered = np.bincount(acc[trailing], minlength=n).astype(np.int64)
    reacted = np.full(n, -np.inf)
    np.maximum.at(reacted, acc[~silent], h.event_day[~silent].astype(float))
    last_reaction = np.where(np.isinf(reacted), np.nan, reacted)
    return unanswered, last_reaction


def keep_stages(signs: Signs, stages: Sequence[str], carry: Sequence[str]) -> Signs:
    """Only accounts in the `carry` stages keep their signs (docs/method.md#churn-signs: before dormancy)."""
    keep = np.isin(np.array(stages, dtype=str), list(carry)) if len(stages) else np.zeros(0, bool)
    fired = signs.fired & keep[:, None]
    return Signs(signs.names, fired, signs.interval_ratio, signs.amount_ratio, signs.unanswered)
