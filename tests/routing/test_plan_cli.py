"""`fieldsales plan` and `nearby` as a user runs them, on real files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fieldsales.config import default_settings
from fieldsales.domain.clock import today_in


def test_plan_json_and_export(
    engine: Engine, cli: Any, db_path: Path, seeded, tmp_path: Path
) -> None:
    seeded(40)
    out = tmp_path / "out"
    r = cli(
        "--db",
        str(db_path),
        "plan",
        "--date",
        "2026-12-01",
        "--pin",
        "R0002@14:00",
        "--json",
        "--export",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"start", "end", "stops"} <= set(data)
    assert data["start"]["lat"] and data["end"]["lon"]
    stop = data["stops"][0]
    for key in ("account_id", "company", "lat", "lon", "arrival", "departure"):
        assert stop[key] is not None
    times = [datetime.fromisoformat(s["arrival"]) for s in data["stops"]]
    assert times == sorted(times) and times[0].tzinfo is not None
    assert any(s["pinned"] and s["external_id"] == "R0002" for s in data["stops"])
    files = sorted(p.suffix for p in out.iterdir())
    assert files == [".gpx", ".html", ".ics", ".json", ".md"]
    html = next(out.glob("*.html")).read_text()
    assert "<script" not in html and "http" not in html.split("<body>")[0]
    assert data["stops"][0]["company"] in html
    ics = next(out.glob("*.ics")).read_text()
    assert ics.count("BEGIN:VEVENT") == len(data["stops"])
    gpx = next(out.glob("*.gpx")).read_text()
    assert gpx.count("<wpt") == len(data["stops"])


def test_plan_week_and_bad_input(engine: Engine, cli: Any, db_path: Path, seeded) -> None:
    seeded(30)
    r = cli("--db", str(db_path), "plan", "--date", "2026-12-01", "--days", "2", "--json")
    assert r.returncode == 0, r.stderr
    days = json.loads(r.stdout)["days"]
    ids = [s["account_id"] for d in days for s in d["stops"]]
    assert len(days) == 2 and len(ids) == len(set(ids))
    bad = cli("--db", str(db_path), "plan", "--pin", "R0001@25:99")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--pin" in bad.stderr
    missing = cli("--db", str(db_path), "plan", "--pin", "NOPE@10:00")
    assert missing.returncode == 1 and "NOPE" in missing.stderr


def test_default_date_is_the_next_working_day(
    engine: Engine, cli: Any, db_path: Path, seeded, tmp_path: Path
) -> None:
    seeded(20)
    # today is not a working day here: the only one is the day after tomorrow
    today = today_in(default_settings().zone())  # the rep's today (config `timezone`)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"visits:\n  work_weekdays: [{(today.weekday() + 2) % 7}]\n")
    r = cli("--config", str(cfg), "--db", str(db_path), "plan", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["date"] == (today + timedelta(days=2)).isoformat()
    helptext = " ".join(cli("plan", "--help").stdout.split())
    assert "next working day" in helptext


def test_nearby(engine: Engine, cli: Any, db_path: Path, seeded) -> None:
    seeded(40)
    r = cli(
        "--db",
        str(db_path),
        "nearby",
        "--from",
        "35.69,139.75",
        "--within",
        "5",
        "--date",
        "2026-12-01",
        "--at",
        "15:00",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["stops"] and all(s["arrival"] >= "2026-12-01T15:00" for s in data["stops"])
    assert data["start"]["lat"] == 35.69
