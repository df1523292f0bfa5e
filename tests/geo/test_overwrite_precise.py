"""`locate` and `geocode` keep a street or building position over a coarser one and say
so; --overwrite-precise replaces it, with the precise one kept in the history."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldsales.cli import main
from fieldsales.config import Settings
from fieldsales.services.geocoding import geocode_accounts
from fieldsales.store.models import AccountChange

from .test_geocode import KAMATA, _write_config, accounts, geo_settings, key, position


def changes(engine: Engine, account_id: str) -> dict[str, tuple[str | None, str | None]]:
    with Session(engine) as s:
        rows = s.exec(select(AccountChange).where(AccountChange.account_id == account_id)).all()
        return {r.field: (r.old_value, r.new_value) for r in rows}


def test_locate_keeps_a_street_position_and_says_so_unless_told(
    engine: Engine, db_path: Path, add_account, capsys
) -> None:
    street = add_account(
        postal_code="144-0052", lat=35.5611, lon=139.7154, geo_precision="street"
    ).id
    assert main(["--db", str(db_path), "locate"]) == 0
    out = capsys.readouterr().out
    assert "1 kept their street or building position" in out
    assert "--overwrite-precise replaces them" in out
    assert position(engine, street) == (35.5611, 139.7154, "street", None)
    assert changes(engine, street) == {}

    assert main(["--db", str(db_path), "locate", "--overwrite-precise"]) == 0
    out = capsys.readouterr().out
    assert "1 street or building positions replaced by the offline one" in out
    lat, _lon, precision, source = position(engine, street)
    assert precision == "town" and source in ("postal", "address") and lat != 35.5611
    history = changes(engine, street)
    assert history["lat"][0] == "35.5611" and history["geo_precision"] == ("street", "town")


def test_geocode_keeps_a_finer_position_than_the_answer_unless_told(
    engine: Engine, add_account, settings: Settings, server, db_path: Path, tmp_path: Path, capsys
) -> None:
    (acc,) = accounts(engine, add_account, KAMATA)  # offline: town precision
    before = position(engine, acc)
    assert before[2] == "town"
    server.add(key(KAMATA), 35.56, 139.72, addresstype="city", place_rank=16)
    summary = geocode_accounts(engine, geo_settings(settings, server))
    assert (summary.kept_precise, summary.improved) == (1, 0)
    assert "1 kept a position more precise than the answer" in str(summary)
    assert position(engine, acc) == before

    cfg = _write_config(tmp_path, server.domain)
    code = main(["--config", str(cfg), "--db", str(db_path), "geocode", "--overwrite-precise"])
    assert code == 0
    assert "1 more precise positions replaced" in capsys.readouterr().out
    assert position(engine, acc) == (35.56, 139.72, "city", "nominatim")
    assert changes(engine, acc)["geo_precision"] == ("town", "city")
