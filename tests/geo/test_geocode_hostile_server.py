"""A geocoder that answers badly: bounded waits, no traceback, no address in the message.

A real HTTP server on 127.0.0.1 scripted per request, driven through the CLI.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from fieldsales.cli import main
from fieldsales.services.locating import locate_missing

ADDRESS = "東京都大田区西蒲田7-43-3"


class Scripted:
    """Answers, one per request: (status, headers, body); the last one repeats."""

    def __init__(self, answers: list[tuple[int, dict[str, str], Any]]) -> None:
        self.answers = answers
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                status, headers, body = outer.answers[min(len(outer.paths), len(outer.answers)) - 1]
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.domain = f"127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def scripted() -> Iterator[list[Scripted]]:
    made: list[Scripted] = []
    yield made
    for s in made:
        s.httpd.shutdown()
        s.httpd.server_close()


def _setup(engine: Engine, add_account, tmp_path: Path, srv: Scripted, **geo: Any) -> Path:
    add_account(address=ADDRESS, prefecture=None, city=None, lat=None, lon=None,
                geo_precision="none")  # fmt: skip
    locate_missing(engine)
    cfg = tmp_path / "config.yaml"
    settings = {"domain": srv.domain, "scheme": "http", "min_delay_seconds": 0,
                "backoff_seconds": 0, "max_retries": 1, **geo}  # fmt: skip
    cfg.write_text(yaml.safe_dump({"geocoding": settings}), encoding="utf-8")
    return cfg


def _positions(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.exec_driver_sql("SELECT lat, lon, geo_precision FROM account")
        ]


def test_retry_after_never_waits_longer_than_max_wait_seconds(
    engine: Engine,
    db_path: Path,
    add_account,
    tmp_path: Path,
    scripted,
    capsys,
) -> None:
    srv = Scripted([(429, {"Retry-After": "100000"}, {"error": "slow down"})])
    scripted.append(srv)
    cfg = _setup(engine, add_account, tmp_path, srv, max_wait_seconds=0.5)
    before = _positions(engine)
    t0 = time.monotonic()
    code = main(["--config", str(cfg), "--db", str(db_path), "geocode"])
    elapsed = time.monotonic() - t0
    err = capsys.readouterr().err
    assert code == 1
    assert elapsed < 30  # one bounded wait, not 100000 s (or urllib3's own retries)
    assert len(srv.paths) == 2  # our two attempts, nothing retried underneath
    assert "Traceback" not in err and "西蒲田" not in err and "%E8" not in err
    assert _positions(engine) == before


@pytest.mark.parametrize("lat", ["abc", "nan", "inf", "", None, "95.0", ["35"]])
def test_a_position_that_is_not_a_number_is_rejected_in_one_line(
    lat: Any,
    engine: Engine,
    db_path: Path,
    add_account,
    tmp_path: Path,
    scripted,
    capsys,
) -> None:
    place = {"place_id": 1, "lat": lat, "lon": "139.7", "display_name": "x",
             "class": "building", "type": "building", "addresstype": "building",
             "place_rank": 30}  # fmt: skip
    srv = Scripted([(200, {}, [place])])
    scripted.append(srv)
    cfg = _setup(engine, add_account, tmp_path, srv)
    before = _positions(engine)
    code = main(["--config", str(cfg), "--db", str(db_path), "geocode"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code in (0, 1)
    assert _positions(engine) == before  # nothing garbled was applied
    assert "西蒲田" not in out + err


def test_server_errors_do_not_print_the_address(
    engine: Engine,
    db_path: Path,
    add_account,
    tmp_path: Path,
    scripted,
    capsys,
) -> None:
    srv = Scripted([(503, {}, {"error": "down"})])
    scripted.append(srv)
    cfg = _setup(engine, add_account, tmp_path, srv)
    code = main(["--config", str(cfg), "--db", str(db_path), "geocode"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "西蒲田" not in out + err and "q=" not in err
