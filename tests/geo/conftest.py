"""Fixtures: a Nominatim-compatible /search server on 127.0.0.1 for the geocoding tests.

Real HTTP in a thread: the tests drive the real geopy client against it.
Answers are looked up by the `q` parameter; a queue of scripted failures
(429, 500, slow answers) is served first.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest


@dataclass
class Place:
    lat: float
    lon: float
    addresstype: str = "building"
    place_rank: int = 30
    name: str = ""


@dataclass
class Script:
    places: dict[str, Place] = field(default_factory=dict)
    # served before any answer, one per request: status code, or ("slow", seconds)
    failures: list[Any] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)


class NominatimServer:
    def __init__(self, port: int = 0) -> None:
        self.script = Script()
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                q = parse_qs(url.query).get("q", [""])[0]
                script.requests.append(q)
                script.user_agents.append(self.headers.get("User-Agent", ""))
                if url.path.rstrip("/") != "/search":
                    return self._send(404, {"error": "not found"})
                if script.failures:
                    failure = script.failures.pop(0)
                    if isinstance(failure, tuple) and failure[0] == "slow":
                        time.sleep(failure[1])
                    else:
                        headers = {"Retry-After": "0"} if failure == 429 else {}
                        return self._send(failure, {"error": "scripted"}, headers)
                place = script.places.get(q)
                if place is None:
                    return self._send(200, [])
                return self._send(
                    200,
                    [
                        {
                            "place_id": 1,
                            "lat": str(place.lat),
                            "lon": str(place.lon),
                            "display_name": place.name or q,
                            "class": "building" if place.addresstype == "building" else "place",
                            "type": place.addresstype,
                            "addresstype": place.addresstype,
                            "place_rank": place.place_rank,
                            "importance": 0.5,
                        }
                    ],
                )

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.stopped = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add(
        self,
        q: str,
        lat: float,
        lon: float,
        addresstype: str = "building",
        place_rank: int = 30,
        name: str = "",
    ) -> None:
        self.script.places[q] = Place(lat, lon, addresstype, place_rank, name)

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def make_server() -> Iterator[Callable[[], NominatimServer]]:
    started: list[NominatimServer] = []

    def make() -> NominatimServer:
        srv = NominatimServer()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def server(make_server: Callable[[], NominatimServer]) -> NominatimServer:
    return make_server()
