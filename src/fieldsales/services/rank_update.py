"""Re-score one account inside a ranking already loaded (the app, after a save).

Ranking every account again costs about a second at 100,000 accounts. An
outcome, an edit or a new position changes one account, and an account's
stage, score and follow-up depend only on its own row and outcomes (with the
reference point, the day and the config, which stay). So `rescore` ranks that
account alone from the database (in a worker thread), and `splice` writes it
into the loaded RankBase (on the UI thread, a few milliseconds): its columns,
its place in the ranked order and the caches built from them. The result is
what a full re-rank gives; tests/speed/test_rank_update.py checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fieldsales.config import Settings
from fieldsales.services.rank_search import ROMAJI_PENDING
from fieldsales.services.rank_sort import ORDER, SPLICED, move_in_orders, place_among
from fieldsales.services.rank_table import RankBase
from fieldsales.store import queries, unit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# the search box's extra keys: (external_id, contact_name, phone), as queries.search_details
_SEARCH_DETAILS = ("external_id", "contact_name", "phone")
# caches of RankBase that splice() updates in place; every other one is dropped
# (rebuilt on first use: planning columns, learned rates, early warning)
_KEPT_CACHES = (
    "id_index",
    "search_details",
    "find_keys",
    "phone_keys",
    "romaji_keys",
    ROMAJI_PENDING,
    SPLICED,
)


@dataclass
class Rescored:
    """One account ranked alone, ready to be spliced into the loaded ranking."""

    account_id: str
    one: RankBase | None  # None: the account is gone from the database


def rescore(
    base: RankBase,
    engine: Engine,
    settings: Settings,
    account_id: str,
    origin: tuple[float, float],
) -> Rescored:
    """Rank `account_id` alone, from the same point and day as `base` (a worker's job)."""
    names = tuple(dict.fromkeys((*base.columns.keys(), *queries.LIST_FIELDS)))
    with unit.reading(engine) as session:
        columns = queries.rank_columns(session, [account_id], names=names)
        if not columns["id"]:
            return Rescored(account_id, None)
        outcomes = queries.outcome_columns(session, columns["id"], all_accounts=False)
        details = queries.account_details(session, [account_id], _SEARCH_DETAILS)
    one = RankBase(columns, outcomes, settings, origin=origin, today=base.today, engine=engine)
    ext, contact, phone = details.get(account_id, (None, None, None))
    one._columns["search_details"] = {account_id: (ext, contact, phone)}
    return Rescored(account_id, one)


def splice(base: RankBase, rescored: Rescored) -> int | None:
    """Write the re-scored account into `base` and move it to its place in
    `base.order`. Returns its position in the base, or None when the base
    cannot take it (an account added or deleted since: rank everything again)."""
    one = rescored.one
    i = base.id_index().get(rescored.account_id)
    if one is None or i is None:
        return None
    _raw_columns(base, one, i)
    for name in ("lat", "lon", "revenue", "dnc", "distance", "last_order", "months"):
        getattr(base, name)[i] = getattr(one, name)[0]
    for name in ("positive", "totals", "ranks"):
        _put(base, name, i, getattr(one, name)[0])
    for name in ("matrix", "points"):
        getattr(base, name)[i, :] = getattr(one, name)[0, :]
    base.rescored_max_points(i, one)
    _put(base, "stage", i, one.stage[0])
    for name in ("last_contact", "next_followup", "refusals", "paused_until"):
        getattr(base.contact, name)[i] = getattr(one.contact, name)[0]
    _outcomes(base, one, i)
    _caches(base, one, i)
    base.order = _reordered(base, i)
    move_in_orders(base, i)
    return i


def _replace(base: RankBase, old: Any, new: Any) -> None:
    """Put `new` wherever the base holds the column object `old`."""
    for holder in (base.columns, base.facts, base._text, base.extra):
        for name, value in list(holder.items()):
            if value is old:
                holder[name] = new  # type: ignore[index]


def _mutable(base: RankBase, old: Any) -> Any:
    """The column `old` as something one cell of which can be written."""
    if isinstance(old, np.ndarray | list):
        return old
    new = list(old)
    _replace(base, old, new)
    return new


def _set(base: RankBase, column: Any, i: int, value: Any) -> Any:
    """column[i] = value, in the column's own form (NaN, NaT, wider text)."""
    column = _mutable(base, column)
    if isinstance(column, list):
        column[i] = value
        return column
    kind = column.dtype.kind
    if kind == "f":
        column[i] = np.nan if value is None else float(value)
    elif kind == "M":
        column[i] = np.datetime64("NaT") if value is None else np.datetime64(value)
    elif kind == "U" and len(str(value)) > column.dtype.itemsize // 4:
        wider = column.astype(f"<U{len(str(value))}")
        wider[i] = value
        _replace(base, column, wider)
        return wider
    else:
        column[i] = value
    return column


def _raw_columns(base: RankBase, one: RankBase, i: int) -> None:
    for name, values in one.columns.items():
        if name != "id" and name in base.columns:
            _set(base, base.columns[name], i, values[0])
    for name, values in one._text.items():
        if name in base._text:
            _set(base, base._text[name], i, values[0])


def _put(base: RankBase, name: str, i: int, value: Any) -> None:
    column = getattr(base, name)
    new = _set(base, column, i, value)
    if new is not column:
        setattr(base, name, new)


def _outcomes(base: RankBase, one: RankBase, i: int) -> None:
    """The base's outcome events (early warning reads them) with this account's anew."""
    old, new = base.outcomes, one.outcomes
    keep = old.account != i
    occurred = np.concatenate([old.occurred[keep], new.occurred])
    order = np.argsort(occurred, kind="stable")  # this account's events keep their order
    base.outcomes = queries.OutcomeColumns(
        np.concatenate([old.account[keep], np.full(len(new), i, dtype=np.intp)])[order],
        occurred[order],
        np.concatenate([old.result[keep], new.result])[order],
        np.concatenate([old.due[keep], new.due])[order],
        None
        if old.channel is None or new.channel is None
        else np.concatenate([old.channel[keep], new.channel])[order],
    )


def _caches(base: RankBase, one: RankBase, i: int) -> None:
    """Keys of the search box and the sort orders: this account's entry anew."""
    base._objects.pop(i, None)
    base._rows.pop(i, None)
    base._pending = [a for a in base._pending if a.id != one.ids[0]]
    cached = base._columns
    details = one._columns["search_details"]
    if "search_details" in cached:
        cached["search_details"][one.ids[0]] = details[one.ids[0]]
    if base._search is not None:
        base._search[i] = one.search_keys()[0]
    for name in ("find_keys", "phone_keys", "romaji_keys"):
        if name in cached:
            cached[name][i] = getattr(one, name)()[0]
    for name in list(cached):
        if name.startswith("sort:"):
            cached[name] = _set(base, cached[name], i, one.sort_key(name[5:])[0])
        elif name.startswith("keys_array:"):  # rank_search: the keys as one array
            source = f"{name.removeprefix('keys_array:')}_keys"
            if source in cached:
                cached[name] = _set(base, cached[name], i, cached[source][i])
            else:
                del cached[name]
        elif name == "stage_array":
            cached[name] = _set(base, cached[name], i, one.stage[0])
        elif name.startswith(ORDER):
            pass  # moved once base.order has it in its new place (move_in_orders)
        elif name not in _KEPT_CACHES:
            del cached[name]


def _reordered(base: RankBase, i: int) -> Any:
    """base.order with account i moved to where np.lexsort((distance, -total))
    puts it: by total, best first, then nearest, then position (lexsort is
    stable). The rest keep their order, so a binary search finds the place."""
    order = base.order
    rest = np.delete(order, np.flatnonzero(order == i))
    totals, distance = base.totals, base.distance

    def far(j: int) -> float:  # no position: after every distance
        d = float(distance[j])
        return np.inf if np.isnan(d) else d

    t, d = totals[i], far(i)

    def before(j: int) -> bool:
        return bool(totals[j] > t or (totals[j] == t and (far(j) < d or (far(j) == d and j < i))))

    return np.insert(rest, place_among(rest, before), i)
