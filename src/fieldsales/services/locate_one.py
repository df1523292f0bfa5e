"""Locating one account from the app: typed lat,lon, postal code or geocoder.

Each returns a Candidate to show on the map; nothing is saved until
save_position().
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldsales.config import Geocoding
from fieldsales.domain.vocab import Precision
from fieldsales.geo import locate as offline
from fieldsales.geo.normalize import width_fold
from fieldsales.store import accounts, geocode_cache, unit
from fieldsales.store.account_edit import AccountNotFound

if TYPE_CHECKING:  # geopy is imported only when geocoding (import and locate stay fast)
    from sqlalchemy.engine import Engine

    from fieldsales.geo.geocode import Geocoder

from fieldsales.services.geocoding import geocode_key


@dataclass(frozen=True)
class Candidate:
    lat: float
    lon: float
    precision: str
    source: str  # manual | postal | address | nominatim
    label: str
    suspicious: bool = False
    offset_km: float | None = None  # from the offline position (geocoder answers)
    cache_key: str | None = None


def parse_latlon(text: str) -> Candidate:
    """'35.6812, 139.7671' (or with a space, full-width digits) -> a manual candidate."""
    parts = [p for p in re.split(r"[,\s]+", width_fold(text).replace("、", ",")) if p]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{text!r}: type latitude,longitude, e.g. 35.6812,139.7671") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{text!r}: latitude must be within ±90 and longitude within ±180")
    return Candidate(lat, lon, Precision.building.value, "manual", f"{lat:.6f}, {lon:.6f}")


def candidate_from_postal_code(code: str) -> Candidate | None:
    pos = offline.locate_postal_code(code)
    return None if pos is None else Candidate(pos.lat, pos.lon, pos.precision, "postal", pos.label)


def candidate_from_address(
    prefecture: str | None, city: str | None, address: str | None, postal_code: str | None = None
) -> Candidate | None:
    pos = offline.locate(postal_code, prefecture, city, address)
    return (
        None if pos is None else Candidate(pos.lat, pos.lon, pos.precision, pos.source, pos.label)
    )


def candidate_from_geocoder(
    engine: Engine, settings: Geocoding, account_id: str, *, geocoder: Geocoder | None = None
) -> Candidate | None:
    """Ask the geocoder (or its cache) for one account; caches the answer, saves nothing.

    Raises GeocodingStopped (server unreachable) and QueryRejected; the app
    shows their message. None: no address, or the geocoder does not know it.
    """
    from fieldsales.geo.geocode import Geocoder, is_suspicious

    with unit.writing(engine) as u:
        acc = accounts.get(u, account_id)
        if acc is None:
            raise AccountNotFound(f"account {account_id} not found")
        key = geocode_key(acc.prefecture, acc.city, acc.address)
        if key is None:
            return None
        row = geocode_cache.get(u, key)
        ref = offline.locate(acc.postal_code, acc.prefecture, acc.city, acc.address)
    if row is None or not row.found:
        answer = (geocoder or Geocoder(settings)).lookup(key)
        flagged, offset = is_suspicious(
            answer, (ref.lat, ref.lon) if ref else None, settings.suspicious_km
        )
        with unit.writing(engine) as u:
            row = geocode_cache.record(u, key, answer, suspicious=flagged, offset_km=offset)
    if not row.found or row.lat is None or row.lon is None:
        return None
    return Candidate(
        row.lat,
        row.lon,
        row.precision,
        row.source,
        row.display_name or key,
        row.suspicious,
        row.offset_km,
        key,
    )


def save_position(engine: Engine, account_id: str, candidate: Candidate) -> None:
    """Store a confirmed position (the rep's choice wins, even if coarser), with history."""
    with unit.writing(engine) as u:
        accounts.save_position(
            u,
            account_id,
            lat=candidate.lat,
            lon=candidate.lon,
            precision=candidate.precision,
            source=candidate.source,
        )
        if candidate.cache_key and candidate.suspicious:  # confirmed: no longer suspect
            geocode_cache.clear_suspicion(u, candidate.cache_key)


def flagged_candidates(engine: Engine) -> list[tuple[str, Candidate]]:
    """Accounts whose geocoder answer was suspicious: (account id, candidate) to review."""
    with unit.writing(engine) as u:
        flagged = geocode_cache.suspicious(u)
        if not flagged:
            return []
        rows = accounts.addresses(u)
    out = []
    for acc_id, pref, city, address in rows:
        key = geocode_key(pref, city, address)
        r = flagged.get(key) if key else None
        if r is not None and r.lat is not None and r.lon is not None:
            out.append(
                (
                    acc_id,
                    Candidate(
                        r.lat,
                        r.lon,
                        r.precision,
                        r.source,
                        r.display_name or r.key,
                        True,
                        r.offset_km,
                        r.key,
                    ),
                )
            )
    return out
