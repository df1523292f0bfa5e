"""Locating accounts: offline from the bundled table, online with a geocoder.

Store-facing use cases for the CLI (`fieldsales locate`, `fieldsales geocode`,
import) and the app. Positions carry a precision (building > street > town >
city > none, domain.vocab.PRECISION_ORDER) and a source; a position is never
replaced by a coarser one, except an offline one recomputed after its
account's address changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldsales.config import Geocoding
from fieldsales.domain.vocab import PRECISION_ORDER, Precision
from fieldsales.geo import locate as offline
from fieldsales.geo.normalize import join_parts, normalize_address, width_fold
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, AccountChange, GeocodeCache, utcnow

if TYPE_CHECKING:  # geopy is imported only when geocoding (import and locate stay fast)
    from fieldsales.geo.geocode import Geocoder

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
    cols = [
        col(c)
        for c in (
            Account.id,
            Account.postal_code,
            Account.prefecture,
            Account.city,
            Account.address,
            Account.lat,
            Account.geo_precision,
            Account.geo_source,
        )
    ]
    with session_scope(engine) as s:
        stmt = sa.select(*cols)
        rows: list[Any] = []
        if account_ids is not None:
            ids = list(account_ids)
            for i in range(0, len(ids), 500):  # stay under SQLite's variable limit
                rows += s.execute(stmt.where(col(Account.id).in_(ids[i : i + 500]))).all()
        else:
            low = [p.value for p, r in PRECISION_ORDER.items() if r < town_rank]
            stmt = stmt.where(
                sa.or_(col(Account.lat).is_(None), col(Account.geo_precision).in_(low))
            )
            rows = list(s.execute(stmt).all())
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
            with session_scope(engine) as s:
                s.execute(sa.update(Account), updates)
        if progress:
            progress(min(start + BATCH, len(rows)), summary.total)
    return summary


# -- online geocoding ---------------------------------------------------------


@dataclass
class GeocodeSummary:
    requested: int = 0  # addresses sent to the geocoder
    cache_hits: int = 0  # addresses answered from the cache, no request
    improved: int = 0  # accounts that got a finer position
    not_found: int = 0  # addresses the geocoder does not know
    suspicious: int = 0  # answers kept as flagged candidates
    rejected: int = 0  # addresses the server refused (HTTP 4xx), not cached
    remaining: int = 0  # addresses left for a later run (limit or stop)
    stopped: str | None = None  # why the run stopped early (server unreachable)

    def __str__(self) -> str:
        text = (
            f"{self.requested} asked, {self.cache_hits} from cache, {self.improved} accounts "
            f"improved, {self.not_found} not found, {self.suspicious} suspicious (flagged)"
        )
        if self.rejected:
            text += f", {self.rejected} rejected"
        if self.remaining:
            text += f", {self.remaining} left for the next run"
        return text


def geocode_key(prefecture: str | None, city: str | None, address: str | None) -> str | None:
    """The cache key: the normalised street address, building name left out."""
    if not (address or "").strip():
        return None  # a municipality alone is what the offline table already gives
    key = normalize_address(join_parts(prefecture, city, address)).key
    return key or None


@dataclass
class _Target:
    key: str
    account_ids: list[str]
    reference: tuple[float, float] | None  # offline town/city position


def _targets(engine: Engine) -> list[_Target]:
    """Addresses of accounts still below street precision, grouped by cache key."""
    street = PRECISION_ORDER[Precision.street]
    low = [p.value for p, r in PRECISION_ORDER.items() if r < street]
    with session_scope(engine) as s:
        rows = s.execute(
            sa.select(
                col(Account.id),
                col(Account.postal_code),
                col(Account.prefecture),
                col(Account.city),
                col(Account.address),
            )
            .where(col(Account.geo_precision).in_(low), col(Account.address).is_not(None))
            .order_by(col(Account.created_at), col(Account.id))
        ).all()
    groups: dict[str, _Target] = {}
    table = offline.table()
    for acc_id, postal, pref, city, address in rows:
        key = geocode_key(pref, city, address)
        if key is None:
            continue
        if key not in groups:
            pos = table.locate(postal, pref, city, address)
            groups[key] = _Target(key, [], (pos.lat, pos.lon) if pos else None)
        groups[key].account_ids.append(acc_id)
    return list(groups.values())


def _apply(s: Session, account_ids: list[str], row: GeocodeCache) -> int:
    """Give the cached answer to accounts it improves; returns how many."""
    if not row.found or row.suspicious or row.lat is None or row.precision == "none":
        return 0
    n = 0
    for acc_id in account_ids:
        acc = s.get(Account, acc_id)
        if acc is None or not should_replace(acc.lat, acc.geo_precision, None, row.precision):
            continue
        acc.lat, acc.lon = row.lat, row.lon
        acc.geo_precision, acc.geo_source = row.precision, row.source
        acc.updated_at = utcnow()
        s.add(acc)
        n += 1
    return n


def geocode_accounts(
    engine: Engine,
    settings: Geocoding,
    *,
    limit: int | None = None,
    retry_failed: bool = False,
    progress: Progress | None = None,
    geocoder: Geocoder | None = None,
) -> GeocodeSummary:
    """Improve positions to street/building precision, one address at a time.

    Resumable: every answer is committed with its cache row as it arrives, so
    an interrupted run loses nothing and the next run skips what is cached.
    `limit` bounds the requests sent (cache hits are free); `retry_failed`
    asks again for addresses cached as not found.
    """
    from fieldsales.geo.geocode import Geocoder, GeocodingStopped, QueryRejected, is_suspicious

    summary = GeocodeSummary()
    targets = _targets(engine)
    with session_scope(engine) as s:
        keys = [t.key for t in targets]
        cached = {
            r.key: r.found
            for i in range(0, len(keys), 500)
            for r in s.exec(
                select(GeocodeCache).where(col(GeocodeCache.key).in_(keys[i : i + 500]))
            ).all()
        }
    total = len(targets)
    if progress:
        progress(0, total)
    geo = geocoder
    for done, target in enumerate(targets, start=1):
        was_found = cached.get(target.key)
        ask = was_found is None or (was_found is False and retry_failed)
        if not ask:
            with session_scope(engine) as s:
                row = s.get(GeocodeCache, target.key)
                assert row is not None
                summary.cache_hits += 1
                summary.improved += _apply(s, target.account_ids, row)
                summary.suspicious += int(row.suspicious)
            if progress:
                progress(done, total)
            continue
        if limit is not None and summary.requested >= limit:
            summary.remaining = sum(
                1 for t in targets[done - 1 :] if cached.get(t.key) is None or retry_failed
            )
            break
        geo = geo or Geocoder(settings)
        try:
            answer = geo.lookup(target.key)
        except QueryRejected:
            summary.rejected += 1
            continue
        except GeocodingStopped as exc:
            summary.stopped = str(exc)
            summary.remaining = sum(1 for t in targets[done - 1 :] if cached.get(t.key) is None)
            break
        summary.requested += 1
        flagged, offset = is_suspicious(answer, target.reference, settings.suspicious_km)
        with session_scope(engine) as s:
            row = s.get(GeocodeCache, target.key) or GeocodeCache(
                key=target.key, found=False, source="nominatim"
            )
            row.found, row.lat, row.lon = answer.found, answer.lat, answer.lon
            row.precision, row.display_name = answer.precision, answer.display_name
            row.suspicious, row.offset_km, row.fetched_at = flagged, offset, utcnow()
            s.add(row)
            s.flush()
            summary.improved += _apply(s, target.account_ids, row)
        summary.not_found += int(not answer.found)
        summary.suspicious += int(flagged)
        if progress:
            progress(done, total)
    return summary


# -- one account, for the app: a candidate first, saved only when confirmed ----


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
