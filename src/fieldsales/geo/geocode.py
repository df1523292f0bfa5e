"""Online geocoding with geopy's Nominatim client (or a company's own server).

One `Geocoder` per run: geopy's RateLimiter keeps at most one request per
`geocoding.min_delay_seconds`; on HTTP 429, 5xx and timeouts we retry with
exponential back-off (honouring Retry-After up to `max_wait_seconds`). When
the retries run out the server is treated as unreachable and the caller stops
the run: the work done so far is kept and the next run continues from there.

No network is told apart from a slow server: before its first request (and
after a failed connection) the client resolves the server's name and opens a
connection within `geocoding.connect_timeout_seconds` (a proxy from the
environment, if any, stands in for the server). When that fails — the name
does not resolve, nothing listens, no route, no answer to the connection — it
raises GeocodingOffline at once, without retries: "offline" in about a second
instead of the back-off's 15. A server that connects but answers slowly is
waited for `timeout_seconds` (the read timeout) and retried as before.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from fieldsales.config import Geocoding
from fieldsales.geo.distance import haversine_km
from fieldsales.geo.reach import GeocodingOffline, GeocodingStopped, check_reachable

# Nominatim's address types that name one building or a point on a street.
_BUILDING_TYPES = frozenset(
    {"building", "house", "amenity", "shop", "office", "tourism", "leisure", "craft", "man_made"}
)
_STREET_TYPES = frozenset({"road", "street", "city_block", "block", "house_number", "plot"})
_TOWN_TYPES = frozenset(
    {"neighbourhood", "quarter", "suburb", "hamlet", "isolated_dwelling", "allotments"}
)
_CITY_TYPES = frozenset({"city", "town", "village", "municipality", "city_district", "borough"})
# Nominatim place_rank bands (docs: "Place Ranking"): 30 house/POI, 26-27
# street, 17-25 suburb and neighbourhood, 12-16 municipality.
_RANK_BANDS = ((28, "building"), (26, "street"), (17, "town"), (12, "city"))


# A URL's query (?q=<a customer's address>&...) never reaches an error message.
_URL_QUERY = re.compile(r"(?P<url>[a-z][a-z0-9+.-]*://[^\s?#'\"]+)\?[^\s'\"]*", re.I)


def _no_query(text: str) -> str:
    return _URL_QUERY.sub(lambda m: f"{m['url']}?…", text)


def _adapter(proxies: Any, ssl_context: Any) -> Any:
    """geopy's HTTP adapter without its own retries: requests/urllib3 would otherwise
    sleep for a 429's Retry-After, however long, before our back-off sees it."""
    from geopy.adapters import RequestsAdapter, URLLibAdapter

    if RequestsAdapter.is_available:
        return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


__all__ = [
    "GeocodeAnswer",
    "Geocoder",
    "GeocodingOffline",
    "GeocodingStopped",
    "QueryRejected",
    "check_reachable",
]


class QueryRejected(Exception):
    """The server rejected this one query (HTTP 4xx); other addresses may still work."""


@dataclass(frozen=True)
class GeocodeAnswer:
    found: bool
    lat: float | None = None
    lon: float | None = None
    precision: str = "none"
    display_name: str | None = None


def precision_of(raw: dict[str, Any]) -> str:
    """building | street | town | city | none from a Nominatim result."""
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if kind in _BUILDING_TYPES or raw.get("class") == "building":
        return "building"
    if kind in _STREET_TYPES or raw.get("class") == "highway":
        return "street"
    if kind in _TOWN_TYPES:
        return "town"
    if kind in _CITY_TYPES:
        return "city"
    try:
        rank = int(raw.get("place_rank", 0))
    except (TypeError, ValueError):
        rank = 0
    for low, name in _RANK_BANDS:
        if rank >= low:
            return name
    return "none"


def is_suspicious(
    answer: GeocodeAnswer, reference: tuple[float, float] | None, limit_km: float
) -> tuple[bool, float | None]:
    """Far from the offline town/city position? Returns (flag, distance km)."""
    if not answer.found or reference is None or answer.lat is None or answer.lon is None:
        return False, None
    km = haversine_km(reference[0], reference[1], answer.lat, answer.lon)
    return km > limit_km, km


class Geocoder:
    """A rate-limited, retrying Nominatim client configured from `geocoding.*`."""

    def __init__(
        self,
        settings: Geocoding,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.server = f"{settings.scheme}://{settings.domain}"
        self._sleep = sleep
        self._client = Nominatim(
            user_agent=settings.user_agent,
            domain=settings.domain,
            scheme=settings.scheme,
            timeout=_timeouts(settings),
            adapter_factory=_adapter,
        )
        self._reached = False  # the server answered a connection once
        # Retries are ours (with back-off); the RateLimiter only paces requests.
        self._geocode = RateLimiter(
            self._client.geocode,
            min_delay_seconds=settings.min_delay_seconds,
            max_retries=0,
            error_wait_seconds=settings.min_delay_seconds,
            swallow_exceptions=False,
        )
        self.requests = 0  # HTTP requests made, retries included

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        wait = self.settings.backoff_seconds * (2**attempt)
        if retry_after is not None:
            wait = max(wait, float(retry_after))
        self._sleep(min(wait, self.settings.max_wait_seconds))

    def check_reachable(self) -> None:
        """Raise GeocodingOffline at once when the server cannot be reached at all."""
        check_reachable(
            self.settings.scheme, self.settings.domain, self.settings.connect_timeout_seconds
        )
        self._reached = True

    def lookup(self, query: str) -> GeocodeAnswer:
        """Geocode one address; raise GeocodingStopped when the server cannot answer
        (GeocodingOffline, at once, when it cannot even be reached)."""
        if not self._reached:
            self.check_reachable()
        last: Exception | None = None
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                retry_after = getattr(last, "retry_after", None)
                self._wait(attempt - 1, retry_after)
            self.requests += 1
            try:
                loc = self._geocode(query, exactly_one=True, country_codes="jp", language="ja")
            except GeocoderQueryError as exc:
                raise QueryRejected(f"rejected by {self.server} ({_short(exc)})") from exc
            except (ValueError, TypeError) as exc:  # geopy's float() of a garbled position
                raise QueryRejected(
                    f"{self.server} answered with a position that is not a number"
                ) from exc
            except (GeocoderAuthenticationFailure, GeocoderInsufficientPrivileges) as exc:
                raise GeocodingStopped(
                    f"{self.server} refused the request ({_short(exc)}); check "
                    "geocoding.user_agent and the server's usage policy"
                ) from exc
            except GeocoderQuotaExceeded as exc:
                if not isinstance(exc, GeocoderRateLimited):
                    raise GeocodingStopped(
                        f"{self.server}: quota exceeded ({_short(exc)})"
                    ) from exc
                last = exc
                continue
            except GeocoderUnavailable as exc:  # the connection failed: is there a way at all?
                self.check_reachable()
                last = exc
                continue
            except GeocoderServiceError as exc:  # 5xx, read timeouts
                last = exc
                continue
            if loc is None:
                return GeocodeAnswer(found=False)
            raw = loc.raw if isinstance(loc.raw, dict) else {}
            lat, lon = _position(loc.latitude, loc.longitude)
            if lat is None or lon is None:
                raise QueryRejected(f"{self.server} answered with a position that is not a number")
            return GeocodeAnswer(
                found=True,
                lat=lat,
                lon=lon,
                precision=precision_of(raw),
                display_name=loc.address,
            )
        reason = _short(last)
        raise GeocodingStopped(
            f"geocoding server {self.server} unreachable after "
            f"{self.settings.max_retries + 1} attempts ({reason})"
        )


def _timeouts(settings: Geocoding) -> Any:
    """(connect, read) seconds for requests; one number for urllib, which has no pair."""
    from geopy.adapters import RequestsAdapter

    if RequestsAdapter.is_available:
        return (settings.connect_timeout_seconds, settings.timeout_seconds)
    return settings.timeout_seconds


def _position(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    """Latitude and longitude as finite numbers in range, or (None, None)."""
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None, None
    if not (math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180):
        return None, None
    return la, lo


def _short(exc: Exception | None) -> str:
    """The first line of an error, without any URL query (it holds the address asked)."""
    if exc is None:
        return "no answer"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = _no_query(text)
    return text if len(text) <= 120 else text[:117] + "..."
