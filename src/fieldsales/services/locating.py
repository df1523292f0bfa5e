"""Locating accounts offline from the bundled table (`fieldsales locate`, import).

Online geocoding is in services.geocoding, locating one account from the app
in services.locate_one. Positions carry a precision (building > street > town >
city > none, domain.vocab.PRECISION_ORDER) and a source; a position is never
replaced by a coarser one, except an offline one recomputed after its
account's address changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldsales.domain.vocab import PRECISION_ORDER, Precision
from fieldsales.geo import locate as offline
from fieldsales.store import accounts, unit
from fieldsales.store.models import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Progress = Callable[[int, int], None]  # (done, total)

OFFLINE_SOURCES = frozenset({"postal", "address"})
BATCH = 2000


@dataclass
class LocateSummary:
    total: int = 0  # accounts looked at
    located: int = 0  # got a position they did not have, or a finer one
    unchanged: int = 0  # kept their position (already as good or better)
    not_found: int = 0  # nothing in the offline table matched
    town: int = 0
    city: int = 0

    def __str__(self) -> str:
        return (
            f"{self.located} of {self.total} accounts located ({self.town} to a town, "
            f"{self.city} to a municipality), {self.unchanged} kept their position, "
            f"{self.not_found} not found"
        )


def rank(precision: str | None) -> int:
    try:
        return PRECISION_ORDER[Precision(precision or "none")]
    except ValueError:
        return 0


def should_replace(
    current_lat: float | None,
    current_precision: str | None,
    current_source: str | None,
    new_precision: str,
    *,
    recompute_offline: bool = False,
) -> bool:
    """May a position of `new_precision` replace the account's current one?"""
    if current_lat is None:
        return True
    if recompute_offline and current_source in OFFLINE_SOURCES:
        return True  # the address may have changed: the new offline answer is the truth
    return rank(new_precision) > rank(current_precision)


def locate_missing(
    engine: Engine,
    *,
    account_ids: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> LocateSummary:
    """Fill missing or coarse positions from the offline table.

    With `account_ids` (e.g. the accounts an import just wrote) only those are
    looked at, and their offline positions are recomputed, since their address
    may have changed. Without, every account below town precision is.
    Imported, geocoded and manual positions are never replaced by coarser ones.
    """
    summary = LocateSummary()
    town_rank = PRECISION_ORDER[Precision.town]
    low = [p.value for p, r in PRECISION_ORDER.items() if r < town_rank]
    with unit.writing(engine) as u:
        rows = accounts.positions(u, account_ids=account_ids, unlocated=low)
    summary.total = len(rows)
    if progress:
        progress(0, summary.total)
    table = offline.table()
    now = utcnow()
    for start in range(0, len(rows), BATCH):
        updates = []
        for row in rows[start : start + BATCH]:
            acc_id, postal, pref, city, address, lat, precision, source = row
            pos = table.locate(postal, pref, city, address)
            if pos is None:
                summary.not_found += 1
                continue
            if not should_replace(
                lat, precision, source, pos.precision, recompute_offline=account_ids is not None
            ):
                summary.unchanged += 1
                continue
            summary.located += 1
            if pos.precision == "town":
                summary.town += 1
            else:
                summary.city += 1
            updates.append(
                {
                    "id": acc_id,
                    "lat": pos.lat,
                    "lon": pos.lon,
                    "geo_precision": pos.precision,
                    "geo_source": pos.source,
                    "updated_at": now,
                }
            )
        if updates:
            with unit.writing(engine) as u:
                accounts.update_positions(u, updates)
        if progress:
            progress(min(start + BATCH, len(rows)), summary.total)
    return summary


# -- online geocoding ---------------------------------------------------------
