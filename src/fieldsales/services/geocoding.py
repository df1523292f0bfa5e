"""Online geocoding use case: `fieldsales geocode` (resumable, cached, rate-limited).

Every answer, "not found" included, is cached by normalised address; an answer
far from the account's offline position is kept as a flagged candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fieldsales.config import Geocoding
from fieldsales.domain.vocab import PRECISION_ORDER, Precision
from fieldsales.geo import locate as offline
from fieldsales.geo.normalize import join_parts, normalize_address
from fieldsales.store import accounts, geocode_cache, unit

if TYPE_CHECKING:  # geopy is imported only when geocoding (import and locate stay fast)
    from sqlalchemy.engine import Engine

    from fieldsales.geo.geocode import Geocoder
    from fieldsales.store.models import GeocodeCache
    from fieldsales.store.unit import Unit

from fieldsales.services.locating import Progress, is_finer, should_replace
from fieldsales.store.account_edit import update_account_fields


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
    kept_precise: int = 0  # accounts whose position was finer than the answer: kept
    overwritten: int = 0  # finer positions replaced by the answer (--overwrite-precise)

    def __str__(self) -> str:
        text = (
            f"{self.requested} asked, {self.cache_hits} from cache, {self.improved} accounts "
            f"improved, {self.not_found} not found, {self.suspicious} suspicious (flagged)"
        )
        if self.rejected:
            text += f", {self.rejected} rejected"
        if self.remaining:
            text += f", {self.remaining} left for the next run"
        if self.kept_precise:
            text += (
                f", {self.kept_precise} kept a position more precise than the answer "
                "(--overwrite-precise applies it)"
            )
        if self.overwritten:
            text += (
                f", {self.overwritten} more precise positions replaced "
                "(each kept in the account's history)"
            )
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


def _precisions(everyone: bool) -> list[str]:
    """The positions worth asking about: below street precision (`everyone`: all)."""
    street = PRECISION_ORDER[Precision.street]
    return [p.value for p, r in PRECISION_ORDER.items() if r < street or everyone]


def _targets(engine: Engine, everyone: bool = False) -> list[_Target]:
    """Addresses of accounts still below street precision (`everyone`: of all
    accounts), grouped by cache key."""
    with unit.reading(engine) as u:
        rows = accounts.addresses_at(u, _precisions(everyone))
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


def _apply(
    u: Unit,
    account_ids: list[str],
    row: GeocodeCache,
    summary: GeocodeSummary,
    overwrite_precise: bool = False,
) -> int:
    """Give the cached answer to accounts it improves; returns how many. An account
    whose position is finer than the answer keeps it (counted in the summary),
    unless `overwrite_precise`: then the answer replaces it, kept in its history."""
    if not row.found or row.suspicious or row.lat is None or row.precision == "none":
        return 0
    n = 0
    for acc_id in account_ids:
        acc = accounts.get(u, acc_id)
        if acc is None:
            continue
        if is_finer(acc.lat, acc.geo_precision, row.precision):
            if not overwrite_precise:
                summary.kept_precise += 1
                continue
            new = {"lat": row.lat, "lon": row.lon, "geo_precision": row.precision}
            update_account_fields(u, acc.id, {**new, "geo_source": row.source}, source="app")
            summary.overwritten += 1
            continue
        if not should_replace(acc.lat, acc.geo_precision, None, row.precision):
            continue
        accounts.set_position(
            u, acc, lat=row.lat, lon=row.lon, precision=row.precision, source=row.source
        )
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
    overwrite_precise: bool = False,
) -> GeocodeSummary:
    """Improve positions to street/building precision, one address at a time.

    Resumable: every answer is committed with its cache row as it arrives, so
    an interrupted run loses nothing and the next run skips what is cached.
    `limit` bounds the requests sent (cache hits are free); `retry_failed`
    asks again for addresses cached as not found. `overwrite_precise` asks for
    every account with an address, street and building positions included, and
    lets an answer replace a finer position (kept in the account's history).
    """
    from fieldsales.geo.reach import GeocodingStopped, check_reachable

    summary = GeocodeSummary()
    # No way to the server: say so before the addresses are even gathered (seconds
    # at 100,000 accounts); the cached answers are applied by the next run
    with unit.reading(engine) as u:
        waiting = accounts.count_with_address_at(u, _precisions(overwrite_precise))
    if not waiting:
        return summary  # nothing to ask: no need for the network either
    try:  # before geopy is even imported: "offline" in about a second
        check_reachable(settings.scheme, settings.domain, settings.connect_timeout_seconds)
    except GeocodingStopped as exc:
        summary.stopped = str(exc)
        summary.remaining = waiting
        return summary
    from fieldsales.geo.geocode import Geocoder, QueryRejected, is_suspicious

    geo = geocoder or Geocoder(settings)
    targets = _targets(engine, everyone=overwrite_precise)
    with unit.reading(engine) as u:
        cached = geocode_cache.found_by_key(u, [t.key for t in targets])
    total = len(targets)
    if progress:
        progress(0, total)
    for done, target in enumerate(targets, start=1):
        was_found = cached.get(target.key)
        ask = was_found is None or (was_found is False and retry_failed)
        if not ask:
            with unit.writing(engine) as u:
                row = geocode_cache.get(u, target.key)
                assert row is not None
                summary.cache_hits += 1
                summary.improved += _apply(u, target.account_ids, row, summary, overwrite_precise)
                summary.suspicious += int(row.suspicious)
            if progress:
                progress(done, total)
            continue
        if limit is not None and summary.requested >= limit:
            summary.remaining = sum(
                1 for t in targets[done - 1 :] if cached.get(t.key) is None or retry_failed
            )
            break
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
        with unit.writing(engine) as u:
            row = geocode_cache.record(u, target.key, answer, suspicious=flagged, offset_km=offset)
            summary.improved += _apply(u, target.account_ids, row, summary, overwrite_precise)
        summary.not_found += int(not answer.found)
        summary.suspicious += int(flagged)
        if progress:
            progress(done, total)
    return summary


# -- one account, for the app: a candidate first, saved only when confirmed ----
