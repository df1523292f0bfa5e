"""A ranked view as batches of plain columns: what a listing (`rank --json`,
`rank --csv`) writes, built for a whole batch at once and never kept.

The fields the ranking does not hold (company, city, external id, average
order, ...) stream from the database in the view's order, one chunk per batch
(store/listing.py); the rest comes from the ranking's arrays, sliced per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain import criteria
from fieldsales.domain.rounding import round_many
from fieldsales.services.rank_table import Listing, RankBase, RankTable
from fieldsales.store import columns as store_columns
from fieldsales.store import listing as listing_store

BATCH = 500  # accounts a listing builds and writes at once

# What a listing shows beyond the ranking's arrays: the list's text, and the
# details the expected values need.
TEXT_FIELDS = ("company", "site", "city", "geo_precision", "main_reason")
DETAIL_FIELDS = ("external_id", "average_order", "gross_margin")


def batches(
    table: RankTable, size: int = BATCH, first: int = 0, step: int = 1
) -> Iterator[Listing]:
    """The view in batches of `size` accounts, best first (Listing: columns of
    plain values). Each batch's fields are read when it is built. `first`,
    `step`: only batches first, first + step, ... (numbered from 0), e.g. every
    other one, for two processes writing one listing."""
    base = table.base
    index = table.indices
    fields = (*TEXT_FIELDS, *DETAIL_FIELDS)
    picked = _picked(base.ids, index)
    starts = range(first * size, len(index), step * size)
    rows = listing_store.listed_rows(base.engine, picked, fields, size, (base.ids, index), starts)
    k = len(TEXT_FIELDS)
    with _closing(rows):
        for start, chunk in zip(starts, rows, strict=False):
            cols = list(zip(*chunk, strict=True))
            text = {name: list(cols[j]) for j, name in enumerate(TEXT_FIELDS)}
            detail = {name: list(cols[k + j]) for j, name in enumerate(DETAIL_FIELDS)}
            yield build(base, index[start : start + size], text, detail)


class _closing:
    """Closes the reading generator (its cursor) when the
    listing stops early, as well as at its end."""

    def __init__(self, gen: Iterator[Any]) -> None:
        self.gen = gen

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.gen, "close", None)
        if close is not None:
            close()


def _picked(values: Sequence[Any], positions: npt.NDArray[np.intp]) -> list[Any]:
    """values[p] for each position, in order (itemgetter: one C call). Ids kept
    packed (rank_blocks.IdColumn: fixed-width ASCII) are taken from the packed
    array and decoded as one text, not one element at a time."""
    raw = getattr(values, "raw", None)
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "S" and len(positions):
        width = raw.dtype.itemsize
        text = raw[positions].tobytes().decode()
        return [text[k : k + width] for k in range(0, len(text), width)]
    where = positions.tolist()
    if not where:
        return []
    if len(where) == 1:
        return [values[where[0]]]
    return list(itemgetter(*where)(values))


def _days(values: npt.NDArray[np.datetime64]) -> list[str | None]:
    # ISO text of the whole batch at once; NaT reads "NaT"
    return [None if v == "NaT" else v for v in values.astype(str).tolist()]


def _rounded(values: npt.NDArray[np.float64], digits: int) -> list[float]:
    """round(v, digits) of each value; whole numbers (points of whole weights,
    the usual case) are their own rounding, and other finite ones are rounded
    at once (round_many: value for value what round() gives)."""
    finite = bool(np.all(np.isfinite(values)))
    if len(values) and finite and bool(np.all(values == np.floor(values))):
        return values.tolist()
    if finite:
        return round_many(values, digits)
    return [round(v, digits) for v in values.tolist()]


def _scores(values: npt.NDArray[np.float64]) -> list[int | None]:
    """Criterion scores as ints, NaN (not scorable) as None."""
    missing = np.isnan(values)
    if not missing.any():
        return values.astype(np.int64).tolist()
    return [None if v != v else int(v) for v in values.tolist()]


def build(
    base: RankBase,
    positions: npt.NDArray[np.intp],
    text: Mapping[str, list[Any]],
    detail: Mapping[str, list[Any]],
) -> Listing:
    """Accounts `positions` of `base` as a Listing, with `text` and `detail`
    (the fields read from the database, in the same order)."""
    cfg = base.settings.scoring
    m = base.matrix[positions]
    pts = base.points[positions]
    dist = base.distance[positions]
    distance_km = round_many(dist, 2)
    months_dormant = round_many(base.months[positions], 1)
    # raw values the listing has already: the distance and months, rounded alike
    known: dict[tuple[str, int | None], list[float | None]] = {
        (criteria.DISTANCE_KM, 2): distance_km,
        (criteria.MONTHS_DORMANT, 1): months_dormant,
    }
    breakdown = []
    for k, c in enumerate(base.criteria):
        raw: list[Any]
        if isinstance(c.raw, criteria.RawNumber) and (c.raw.fact, c.raw.digits) in known:
            raw = known[(c.raw.fact, c.raw.digits)]
        elif isinstance(c.raw, criteria.RawNumber):
            raw = c.raw.many(base.facts, positions)  # a batch at once
        elif c.raw is not None:
            raw = [c.raw(base.facts, int(j)) for j in positions]
        else:
            raw = [None] * len(positions)
        breakdown.append((c.id, _scores(m[:, k]), c.weight(cfg), _rounded(pts[:, k], 2), raw))
    prox = [k for k, c in enumerate(base.criteria) if c.id == criteria.PROXIMITY]
    no_location: npt.NDArray[np.bool_] = np.zeros(len(positions), dtype=bool)
    if prox:
        no_location = np.isnan(m[:, prox[0]])
    located = ~np.isnan(dist)
    precision = text.get("geo_precision") or [None] * len(positions)
    return Listing(
        ids=_picked(base.ids, positions),
        text=dict(text),
        detail=dict(detail),
        ranks=base.ranks[positions].tolist(),
        totals=base.totals[positions].tolist(),
        no_location=no_location.tolist(),
        breakdown=breakdown,
        stages=base.cached("stage_array", lambda: np.asarray(base.stage))[positions].tolist(),
        distance_km=distance_km,
        months_dormant=months_dormant,
        last_order_date=_days(base.last_order[positions]),
        next_followup=_days(base.followup[positions]),
        geo_precision=[
            (p or "none") if d else "none" for p, d in zip(precision, located.tolist(), strict=True)
        ],
        positions=positions.tolist(),
    )


def prefetched(base: RankBase, positions: npt.NDArray[np.intp]) -> Listing:
    """The Listing of accounts whose fields RankBase.prefetch has loaded."""
    list_names, detail_names = store_columns.LIST_FIELDS, store_columns.DETAIL_FIELDS
    empty = ((None,) * len(list_names), (None,) * len(detail_names))
    rows = [base._rows.get(int(j), empty) for j in positions]
    # rows to columns (zip transposes in C)
    text_cols = list(zip(*(r[0] for r in rows), strict=True)) or [()] * len(list_names)
    detail_cols = list(zip(*(r[1] for r in rows), strict=True)) or [()] * len(detail_names)
    text = {n: list(text_cols[k]) for k, n in enumerate(list_names)}
    detail = {n: list(detail_cols[k]) for k, n in enumerate(detail_names)}
    return build(base, positions, text, detail)
