"""Is there a way to the geocoding server at all? Answered within a second or two.

Kept apart from geo.geocode so that saying "offline" costs no import of geopy
(about a second on a loaded machine): the geocode command asks this first.
The name is resolved in a helper thread, since no socket timeout bounds the
system resolver (a dead DNS server would otherwise hold the caller for tens of
seconds); the connection then gets what is left of the same time limit. A proxy
the environment names for the scheme (https_proxy, no_proxy) stands in for the
server.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

MAX_REASON = 120


class GeocodingStopped(Exception):
    """The server cannot be used now (down, unreachable, refusing us): stop the run."""


class GeocodingOffline(GeocodingStopped):
    """No way to the server: its name does not resolve, nothing listens, no route, or
    no connection within `geocoding.connect_timeout_seconds`."""


def _endpoint(scheme: str, domain: str) -> tuple[str, int]:
    """(host, port) a request to the server first connects to: the proxy the
    environment names for it (http_proxy, https_proxy, no_proxy), else the server."""
    server = urlsplit(f"{scheme}://{domain}")
    host = server.hostname or domain
    proxy = urllib.request.getproxies().get(scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return via.hostname or proxy, via.port or (443 if via.scheme == "https" else 80)
    return host, server.port or (443 if scheme == "https" else 80)


def check_reachable(scheme: str, domain: str, timeout: float) -> None:
    """Resolve the server's name and open (then close) a connection, all within
    `timeout` seconds; raise GeocodingOffline saying why when that fails.

    The name is resolved in a helper thread, since no socket timeout bounds the
    system resolver (a dead DNS server would otherwise hold the caller for
    tens of seconds).
    """
    host, port = _endpoint(scheme, domain)
    where = f"{host}:{port}"
    deadline = time.monotonic() + timeout
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geocoder-dns")
    try:
        addresses = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM).result(
            timeout=timeout
        )
    except FutureTimeout:
        raise GeocodingOffline(
            f"offline: the name {host} did not resolve within {timeout:g} s"
        ) from None
    except OSError as exc:
        raise GeocodingOffline(
            f"offline: the name {host} does not resolve ({_reason(exc)})"
        ) from None
    finally:
        pool.shutdown(wait=False)
    last: OSError | None = None
    for family, kind, proto, _name, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(left)
                sock.connect(address)
            return
        except OSError as exc:
            last = exc
    if last is None or isinstance(last, TimeoutError):
        raise GeocodingOffline(f"offline: no connection to {where} within {timeout:g} s")
    raise GeocodingOffline(f"offline: {where} unreachable ({_reason(last)})")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."
