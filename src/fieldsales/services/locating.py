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
from typing import TYPE_CHECKING, Any

from fieldsales.domain.vocab import PRECISION_ORDER, Precision
from fieldsales.geo import locate as offline
from fieldsales.store import accounts, unit
from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.models import utcnow
from fieldsales.store.positions import write_positions

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Progress = Callable[[int, int], None]  # (done, total)

OFFLINE_SOURCES = frozenset({"postal", "address"})
BATCH = 2000  # accounts located between two progress updates
WRITE_BATCH = 25_000  # positions written per transaction


@dataclass
class LocateSummary:
    total: int = 0  # accounts looked at
    located: int = 0  # got a position they did not have, or a finer one
    unchanged: int = 0  # kept their position (already as good or better)
    not_found: int = 0  # nothing in the offline table matched
    town: int = 0
    city: int = 0
    kept_precise: int = 0  # street or building positions left alone (no --overwrite-precise)
    overwritten: int = 0  # street or building positions replaced (--overwrite-precise)

    def __str__(self) -> str:
        text = (
            f"{self.located} of {self.total} accounts located ({self.town} to a town, "
            f"{self.city} to a municipality), {self.unchanged} kept their position, "
            f"{self.not_found} not found"
        )
        if self.kept_precise:
            text += (
                f"; {self.kept_precise} kept their street or building position, more precise "
                "than the offline table's (--overwrite-precise replaces them)"
            )
        if self.overwritten:
            text += (
                f"; {self.overwritten} street or building positions replaced by the offline "
                "one (each kept in the account's history)"
            )
        return text


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


def is_finer(current_lat: float | None, current: str | None, new: str) -> bool:
    """Is the account's current position more precise than a `new` one?"""
    return current_lat is not None and rank(current) > rank(new)


Found = tuple[float, float, str, str]  # an offline position: lat, lon, precision, source


class ImportLocator:
    """Locates the accounts an import writes as each chunk is written (the
    importer's `locate`): what locate_missing(account_ids=...) did after the
    import, without reading the accounts back or writing them a second time.
    The accounts come as columns (lat, lon, geo_precision, geo_source and the
    address fields, one value per account), changed in place where a position
    is found."""

    def __init__(self) -> None:
        self.summary = LocateSummary()

    def find(self, columns: dict[str, list[Any]]) -> list[Found | None]:
        """The offline position of each address (postal_code, prefecture, city,
        address: one value per account) as (lat, lon, precision, source),
        nothing changed: what __call__ would look up, done ahead (in the
        importer's checking process, whence tuples travel faster)."""
        found = offline.table().locate_many(  # the table is loaded on first use
            columns["postal_code"], columns["prefecture"], columns["city"], columns["address"]
        )
        return [None if p is None else (p.lat, p.lon, p.precision, p.source) for p in found]

    def __call__(
        self, columns: dict[str, list[Any]], found: list[Found | None] | None = None
    ) -> None:
        """`found`: find(columns) when done ahead."""
        summary = self.summary
        if found is None:
            found = self.find(columns)
        summary.total += len(found)
        lat, lon = columns["lat"], columns["lon"]
        precision, source = columns["geo_precision"], columns["geo_source"]
        for k, pos in enumerate(found):
            if pos is None:
                summary.not_found += 1
            elif should_replace(lat[k], precision[k], source[k], pos[2], recompute_offline=True):
                summary.located += 1
                if pos[2] == "town":
                    summary.town += 1
                else:
                    summary.city += 1
                lat[k], lon[k], precision[k], source[k] = pos
            else:
                summary.unchanged += 1


def locate_missing(
    engine: Engine,
    *,
    account_ids: Sequence[str] | None = None,
    progress: Progress | None = None,
    overwrite_precise: bool = False,
) -> LocateSummary:
    """Fill missing or coarse positions from the offline table.

    With `account_ids` (e.g. the accounts an import just wrote) only those are
    looked at, and their offline positions are recomputed, since their address
    may have changed. Without, every account below town precision is.
    Imported, geocoded and manual positions are never replaced by coarser ones,
    unless `overwrite_precise`: then every account is looked at and a street or
    building position is replaced by the offline one too, each such replacement
    kept in the account's history (the precise position can be reverted).
    """
    summary = LocateSummary()
    town_rank = PRECISION_ORDER[Precision.town]
    low = [p.value for p, r in PRECISION_ORDER.items() if r < town_rank]
    precise = [p.value for p, r in PRECISION_ORDER.items() if r > town_rank]
    with unit.writing(engine) as u:
        rows = accounts.positions(
            u, account_ids=account_ids, unlocated=low + precise if overwrite_precise else low
        )
        if not overwrite_precise and account_ids is None:
            summary.kept_precise = accounts.count_at(u, precise)
    summary.total = len(rows)
    if progress:
        progress(0, summary.total)
    table = offline.table()
    now = utcnow()
    updates: list[dict[str, object]] = []
    replaced: list[tuple[str, dict[str, object]]] = []
    for start in range(0, len(rows), BATCH):
        for row in rows[start : start + BATCH]:
            acc_id, postal, pref, city, address, lat, precision, source = row
            pos = table.locate(postal, pref, city, address)
            if pos is None:
                summary.not_found += 1
                continue
            if overwrite_precise and is_finer(lat, precision, pos.precision):
                summary.overwritten += 1
                replaced.append(
                    (
                        acc_id,
                        {
                            "lat": pos.lat,
                            "lon": pos.lon,
                            "geo_precision": pos.precision,
                            "geo_source": pos.source,
                        },
                    )
                )
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
        last = start + BATCH >= len(rows)
        if (updates or replaced) and (last or len(updates) + len(replaced) >= WRITE_BATCH):
            # written in few transactions: each commit costs a sync of the file
            with unit.writing(engine) as u:
                if updates:
                    write_positions(u, updates)
                for acc_id, fields in replaced:  # a precise position is kept in the history
                    update_account_fields(u, acc_id, fields, source="app")
            updates, replaced = [], []
        if progress:
            progress(min(start + BATCH, len(rows)), summary.total)
    return summary


# -- online geocoding ---------------------------------------------------------
