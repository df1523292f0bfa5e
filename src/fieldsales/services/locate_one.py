"""Locating one account from the app: typed lat,lon, postal code or geocoder.

Each returns a Candidate to show on the map; nothing is saved until
save_position().
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from fieldsales.config import Geocoding
from fieldsales.domain.vocab import Precision
from fieldsales.geo import locate as offline
from fieldsales.geo.normalize import width_fold
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, AccountChange, GeocodeCache, utcnow

if TYPE_CHECKING:  # geopy is imported only when geocoding (import and locate stay fast)
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

    with session_scope(engine) as s:
        acc = s.get(Account, account_id)
        if acc is None:
            raise LookupError(f"account {account_id} not found")
        key = geocode_key(acc.prefecture, acc.city, acc.address)
        if key is None:
            return None
        row = s.get(GeocodeCache, key)
        ref = offline.locate(acc.postal_code, acc.prefecture, acc.city, acc.address)
    if row is None or not row.found:
        answer = (geocoder or Geocoder(settings)).lookup(key)
        flagged, offset = is_suspicious(
            answer, (ref.lat, ref.lon) if ref else None, settings.suspicious_km
        )
        with session_scope(engine) as s:
            row = s.get(GeocodeCache, key) or GeocodeCache(key=key, found=False, source="nominatim")
            row.found, row.lat, row.lon = answer.found, answer.lat, answer.lon
            row.precision, row.display_name = answer.precision, answer.display_name
            row.suspicious, row.offset_km, row.fetched_at = flagged, offset, utcnow()
            s.add(row)
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
    with session_scope(engine) as s:
        acc = s.get(Account, account_id)
        if acc is None:
            raise LookupError(f"account {account_id} not found")
        new = {
            "lat": candidate.lat,
            "lon": candidate.lon,
            "geo_precision": candidate.precision,
            "geo_source": candidate.source,
        }
        for name, value in new.items():
            old = getattr(acc, name)
            if old != value:
                s.add(
                    AccountChange(
                        account_id=acc.id,
                        field=name,
                        old_value=_text(old),
                        new_value=_text(value),
                        source="app",
                    )
                )
                setattr(acc, name, value)
        acc.updated_at = utcnow()
        s.add(acc)
        if candidate.cache_key and candidate.suspicious:  # confirmed: no longer suspect
            row = s.get(GeocodeCache, candidate.cache_key)
            if row is not None:
                row.suspicious = False
                s.add(row)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def flagged_candidates(engine: Engine) -> list[tuple[str, Candidate]]:
    """Accounts whose geocoder answer was suspicious: (account id, candidate) to review."""
    with session_scope(engine) as s:
        flagged = {r.key: r for r in s.exec(select(GeocodeCache).where(GeocodeCache.suspicious))}
        if not flagged:
            return []
        rows = s.exec(
            select(Account.id, Account.prefecture, Account.city, Account.address).where(
                col(Account.address).is_not(None)
            )
        ).all()
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
