"""The geocoder's cache: one row per normalised address, "not found" included.

The one place that writes a cached answer (`record`), shared by the batch
run (`fieldsales geocode`) and the app's one-account lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from fieldsales.store.models import GeocodeCache, utcnow

if TYPE_CHECKING:
    from fieldsales.geo.geocode import GeocodeAnswer

CHUNK = 500  # stay under SQLite's variable limit


def found_by_key(session: Session, keys: Sequence[str]) -> dict[str, bool]:
    """Which of `keys` are cached, and whether the geocoder found them."""
    keys = list(keys)
    return {
        r.key: r.found
        for i in range(0, len(keys), CHUNK)
        for r in session.exec(
            select(GeocodeCache).where(col(GeocodeCache.key).in_(keys[i : i + CHUNK]))
        ).all()
    }


def get(session: Session, key: str) -> GeocodeCache | None:
    return session.get(GeocodeCache, key)


def record(
    session: Session,
    key: str,
    answer: GeocodeAnswer,
    *,
    suspicious: bool,
    offset_km: float | None,
) -> GeocodeCache:
    """Insert or update the cached answer for `key` (flushed, not committed)."""
    row = session.get(GeocodeCache, key) or GeocodeCache(key=key, found=False, source="nominatim")
    row.found, row.lat, row.lon = answer.found, answer.lat, answer.lon
    row.precision, row.display_name = answer.precision, answer.display_name
    row.suspicious, row.offset_km, row.fetched_at = suspicious, offset_km, utcnow()
    session.add(row)
    session.flush()
    return row


def clear_suspicion(session: Session, key: str) -> None:
    """A flagged answer the rep confirmed: no longer suspect."""
    row = session.get(GeocodeCache, key)
    if row is not None:
        row.suspicious = False
        session.add(row)


def suspicious(session: Session) -> dict[str, GeocodeCache]:
    """Flagged answers, by key."""
    return {r.key: r for r in session.exec(select(GeocodeCache).where(GeocodeCache.suspicious))}
