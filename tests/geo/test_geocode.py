"""Online geocoding against a Nominatim-compatible server on 127.0.0.1 (real HTTP, geopy)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import select

from fieldsales.cli import main
from fieldsales.config import Geocoding, Settings
from fieldsales.services.geocoding import geocode_accounts, geocode_key
from fieldsales.services.locate_one import (
    candidate_from_geocoder,
    flagged_candidates,
    parse_latlon,
    save_position,
)
from fieldsales.services.locating import locate_missing
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, AccountChange, GeocodeCache

KAMATA = "東京都大田区蒲田5-13-26"  # offline: 蒲田5丁目 ~ (35.562, 139.718)
SHINJUKU = "東京都新宿区西新宿2-8-1"
UMEDA = "大阪府大阪市北区梅田3-1-3"
NAHA = "沖縄県那覇市おもろまち3-1-1"


def geo_settings(settings: Settings, srv: Any, **over: object) -> Geocoding:
    values: dict[str, object] = {
        "domain": srv.domain if srv else f"127.0.0.1:{free_port()}",
        "scheme": "http",
        "min_delay_seconds": 0,
        "backoff_seconds": 0,
        "timeout_seconds": 2,
        "max_retries": 2,
        "user_agent": "fieldsales-tests/1",
    }
    values.update(over)
    return settings.geocoding.model_copy(update=values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def key(address: str) -> str:
    k = geocode_key(None, None, address)
    assert k is not None
    return k


def accounts(engine: Engine, add_account, *addresses: str) -> list[str]:
    """Accounts with only an address, located offline first as after an import."""
    ids = [
        add_account(
            address=a, prefecture=None, city=None, lat=None, lon=None, geo_precision="none"
        ).id
        for a in addresses
    ]
    locate_missing(engine)
    return ids


def position(engine: Engine, acc_id: str) -> tuple[float | None, float | None, str, str | None]:
    with session_scope(engine) as s:
        a = s.get(Account, acc_id)
        assert a is not None
        return a.lat, a.lon, a.geo_precision, a.geo_source


def cache(engine: Engine) -> dict[str, GeocodeCache]:
    with session_scope(engine) as s:
        return {r.key: r for r in s.exec(select(GeocodeCache)).all()}


def test_success_sets_building_precision_and_caches(engine, add_account, settings, server):
    server.add(key(KAMATA), 35.5620, 139.7160, name="蒲田ビル")
    (acc,) = accounts(engine, add_account, KAMATA)
    summary = geocode_accounts(engine, geo_settings(settings, server))
    assert position(engine, acc) == (35.5620, 139.7160, "building", "nominatim")
    assert (summary.requested, summary.improved) == (1, 1)
    row = cache(engine)[key(KAMATA)]
    assert row.found and row.display_name == "蒲田ビル" and not row.suspicious
    assert server.script.user_agents == ["fieldsales-tests/1"]


def test_not_found_is_cached_and_only_retried_on_request(engine, add_account, settings, server):
    (acc,) = accounts(engine, add_account, SHINJUKU)
    before = position(engine, acc)
    geo = geo_settings(settings, server)
    assert geocode_accounts(engine, geo).not_found == 1
    assert position(engine, acc) == before  # the offline town position stays
    assert cache(engine)[key(SHINJUKU)].found is False
    geocode_accounts(engine, geo)
    assert len(server.script.requests) == 1  # "not found" is remembered
    server.add(key(SHINJUKU), 35.6896, 139.6917)
    assert geocode_accounts(engine, geo, retry_failed=True).improved == 1
    assert position(engine, acc)[2] == "building"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_errors_are_retried(engine, add_account, settings, server, status):
    server.add(key(UMEDA), 34.7015, 135.4950)
    server.script.failures = [status, status]
    (acc,) = accounts(engine, add_account, UMEDA)
    summary = geocode_accounts(engine, geo_settings(settings, server, max_retries=2))
    assert summary.stopped is None and summary.improved == 1
    assert len(server.script.requests) == 3
    assert position(engine, acc)[2] == "building"


def test_retries_exhausted_stop_the_run_and_keep_offline_positions(
    engine, add_account, settings, server
):
    server.script.failures = [500, 500, 500]
    (acc,) = accounts(engine, add_account, UMEDA)
    before = position(engine, acc)
    summary = geocode_accounts(engine, geo_settings(settings, server, max_retries=2))
    assert summary.stopped is not None and "unreachable after 3 attempts" in summary.stopped
    assert position(engine, acc) == before
    assert cache(engine) == {}  # an error is not an answer: asked again next time


def test_timeout_is_retried(engine, add_account, settings, server):
    server.add(key(NAHA), 26.2280, 127.6946, "street", 26)
    server.script.failures = [("slow", 1.0)]
    (acc,) = accounts(engine, add_account, NAHA)
    summary = geocode_accounts(engine, geo_settings(settings, server, timeout_seconds=0.3))
    assert summary.improved == 1
    assert position(engine, acc)[2:] == ("street", "nominatim")


def test_server_down_mid_run_then_resume(engine, add_account, settings, server, make_server):
    addrs = [KAMATA, SHINJUKU, UMEDA, NAHA]
    refs = [(35.562, 139.716), (35.6896, 139.6917), (34.7015, 135.4950), (26.228, 127.6946)]
    ids = accounts(engine, add_account, *addrs)
    offline_before = [position(engine, i) for i in ids]
    for a, (lat, lon) in zip(addrs, refs, strict=True):
        server.add(key(a), lat, lon)

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            server.stop()

    summary = geocode_accounts(engine, geo_settings(settings, server), progress=stop_after_two)
    assert summary.stopped is not None and summary.remaining == 2
    assert [position(engine, i)[2] for i in ids] == ["building", "building", "town", "town"]
    assert [position(engine, i) for i in ids[2:]] == offline_before[2:]

    again = make_server()
    again.script.places.update(server.script.places)
    summary = geocode_accounts(engine, geo_settings(settings, again))
    assert again.script.requests == [key(UMEDA), key(NAHA)]  # only what was left
    assert summary.improved == 2  # the first two are done: not even looked up
    assert [position(engine, i)[2] for i in ids] == ["building"] * 4


def test_cache_hits_make_no_request(engine, add_account, settings, server):
    server.add(key(KAMATA), 35.5620, 139.7160)
    accounts(engine, add_account, KAMATA)
    geocode_accounts(engine, geo_settings(settings, server))
    # a second account at the same address, written differently, later
    (other,) = accounts(engine, add_account, "東京都大田区蒲田五丁目１３番２６号 ２階")
    summary = geocode_accounts(engine, geo_settings(settings, server))
    assert len(server.script.requests) == 1
    assert summary.cache_hits == 1 and summary.requested == 0
    assert position(engine, other) == (35.5620, 139.7160, "building", "nominatim")


def test_limit_bounds_requests(engine, add_account, settings, server):
    accounts(engine, add_account, KAMATA, SHINJUKU, UMEDA)
    summary = geocode_accounts(engine, geo_settings(settings, server), limit=2)
    assert len(server.script.requests) == 2 and summary.remaining == 1


def test_suspicious_answer_is_flagged_not_applied(engine, add_account, settings, server):
    server.add(key(KAMATA), 34.70, 135.50)  # Osaka for a Tokyo address
    (acc,) = accounts(engine, add_account, KAMATA)
    before = position(engine, acc)
    summary = geocode_accounts(engine, geo_settings(settings, server, suspicious_km=5))
    assert summary.suspicious == 1 and summary.improved == 0
    assert position(engine, acc) == before
    row = cache(engine)[key(KAMATA)]
    assert row.suspicious and row.offset_km is not None and row.offset_km > 300
    ((flagged_id, cand),) = flagged_candidates(engine)
    assert flagged_id == acc and cand.suspicious and cand.lat == 34.70
    # the rep looks at it on the map and accepts it anyway
    save_position(engine, acc, cand)
    assert position(engine, acc) == (34.70, 135.50, "building", "nominatim")
    assert flagged_candidates(engine) == []


def test_app_candidates_are_saved_only_when_confirmed(engine, add_account, settings, server):
    server.add(key(SHINJUKU), 35.6896, 139.6917)
    (acc,) = accounts(engine, add_account, SHINJUKU)
    before = position(engine, acc)
    cand = candidate_from_geocoder(engine, geo_settings(settings, server), acc)
    assert cand is not None and cand.precision == "building" and not cand.suspicious
    assert position(engine, acc) == before  # nothing saved yet
    assert candidate_from_geocoder(engine, geo_settings(settings, server), acc) == cand
    assert len(server.script.requests) == 1  # the second came from the cache
    manual = parse_latlon("３５．６９，　139.70")
    save_position(engine, acc, manual)
    assert position(engine, acc) == (35.69, 139.70, "building", "manual")
    with session_scope(engine) as s:
        fields = {c.field for c in s.exec(select(AccountChange)).all()}
    assert {"lat", "lon", "geo_source"} <= fields
    with pytest.raises(ValueError, match="latitude,longitude"):
        parse_latlon("somewhere")
    with pytest.raises(ValueError, match="±90"):
        parse_latlon("135.0, 35.0")


def _write_config(tmp_path: Path, domain: str) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "geocoding": {
                    "domain": domain,
                    "scheme": "http",
                    "min_delay_seconds": 0,
                    "backoff_seconds": 0,
                    "max_retries": 1,
                }
            }
        ),
        encoding="utf-8",
    )
    return cfg


def test_cli_unreachable_server_exits_nonzero_with_one_message(
    engine, db_path, add_account, tmp_path, capsys
):
    (acc,) = accounts(engine, add_account, KAMATA)
    before = position(engine, acc)
    cfg = _write_config(tmp_path, f"127.0.0.1:{free_port()}")
    code = main(["--config", str(cfg), "--db", str(db_path), "geocode"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unreachable" in err and "Traceback" not in err
    assert position(engine, acc) == before


def test_cli_geocode_and_locate(engine, db_path, add_account, tmp_path, capsys, server):
    server.add(key(KAMATA), 35.5620, 139.7160)
    acc = add_account(
        address=KAMATA, prefecture=None, city=None, lat=None, lon=None, geo_precision="none"
    ).id
    assert main(["--db", str(db_path), "locate"]) == 0
    assert "1 of 1 accounts located" in capsys.readouterr().out
    assert position(engine, acc)[2] == "town"
    cfg = _write_config(tmp_path, server.domain)
    assert main(["--config", str(cfg), "--db", str(db_path), "geocode", "--limit", "5"]) == 0
    assert "1 accounts improved" in capsys.readouterr().out
    assert position(engine, acc)[2] == "building"
