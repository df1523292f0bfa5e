"""What the exports hold: formula-safe CSV, and calendar times in the configured zone."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldsales.store.csvio import neutralise
from tests.issue16.conftest import Run

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize(
    "cell",
    ["＝1+1", "＋81-3", "－2+3", "＠SUM(A1)", "\n=1+1", "\r=1+1", "\t=1+1", "=1", "+1", "-1", "@a"],
)
def test_formula_starts_are_neutralised_in_every_form(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_the_export_neutralises_full_width_signs_and_round_trips(
    tmp_path: Path, team_db: Path, run: Run
) -> None:
    con = sqlite3.connect(team_db)
    con.execute("UPDATE account SET company = '＝HYPERLINK(\"http://x\")', notes = '＠SUM(1)'")
    con.commit()
    con.close()
    out = tmp_path / "a.csv"
    code, _out, err = run("--db", str(team_db), "export", "-o", str(out))
    assert code == 0, err
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["company"][:2] for r in rows} == {"'＝"}
    assert {r["notes"][:2] for r in rows} == {"'＠"}
    code, _out, err = run("--db", str(team_db), "import", str(out))
    assert code == 0, err
    assert "0 created, 0 updated" in _out


def test_ics_times_are_in_the_configured_zone_on_a_utc_machine(
    tmp_path: Path, team_db: Path
) -> None:
    out = tmp_path / "sheets"
    env = {**os.environ, "TZ": "UTC", "PYTHONPATH": str(SRC)}
    proc = subprocess.run(
        [sys.executable, "-m", "fieldsales", "--db", str(team_db), "plan", "--date",
         "2026-12-01", "--export", str(out)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    sheet = (out / "plan-2026-12-01.md").read_text(encoding="utf-8")
    first = re.search(r"^## 1\. (\d\d):(\d\d)-", sheet, re.M)
    assert first, sheet[:500]
    ics = (out / "plan-2026-12-01.ics").read_text(encoding="utf-8")
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Asia/Tokyo" in ics
    starts = re.findall(r"^DTSTART;TZID=Asia/Tokyo:(\d{8})T(\d\d)(\d\d)", ics, re.M)
    assert ("20261201", first[1], first[2]) in starts
    stamp = re.search(r"^DTSTAMP:(\d{8}T\d{6}Z)", ics, re.M)
    assert stamp  # the export's time, not the visit's
    made = datetime.strptime(stamp[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - made).total_seconds()) < 600
