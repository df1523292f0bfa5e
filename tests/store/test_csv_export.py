"""CSV export: Excel-friendly, safe against formula injection, and a clean round trip."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales import locations
from fieldsales.config import Settings
from fieldsales.store.exporter import EXPORT_FIELDS, export_accounts
from fieldsales.store.importer import import_accounts, vocabulary

TODAY = date(2026, 11, 22)


def snapshot(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM account ORDER BY id")).mappings()
        return [dict(r) for r in rows]


def do_import(engine: Engine, settings: Settings, path: Path):
    return import_accounts(
        engine,
        path,
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=TODAY,
    )


def test_export_then_import_changes_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    first = do_import(engine, settings, locations.bundled_file("sample_accounts.csv"))
    assert first.created == 500
    before = snapshot(engine)
    out = tmp_path / "export.csv"
    assert export_accounts(engine, out) == 500
    again = do_import(engine, settings, out)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 500, 0)
    assert snapshot(engine) == before


def test_tricky_cells_survive_the_round_trip_and_are_neutralised(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    add_account,
) -> None:
    add_account(
        company='=HYPERLINK("http://evil","x")',
        phone="+81-3-1234-5678",
        notes="@SUM(1+1)\n2行目, カンマ",
        contact_name="-2+3",
        lat=51.5,
        lon=-0.12,
        gross_margin=0.25,
        do_not_contact=True,
    )
    before = snapshot(engine)
    out = tmp_path / "x.csv"
    export_accounts(engine, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    row = rows[0]
    assert row["company"] == '\'=HYPERLINK("http://evil","x")'
    assert row["phone"] == "'+81-3-1234-5678"
    assert row["notes"] == "'@SUM(1+1)\n2行目, カンマ"
    assert row["contact_name"] == "'-2+3"
    assert row["lon"] == "-0.12"  # our own numbers are never quoted
    assert row["do_not_contact"] == "1"
    # No cell of the export starts a formula.
    assert not any(v.startswith(("=", "+", "@")) for v in row.values())
    report = do_import(engine, settings, out)
    assert (report.unchanged, report.updated) == (1, 0)
    assert snapshot(engine) == before
