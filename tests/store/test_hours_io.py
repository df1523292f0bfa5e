"""定休日 and 受付時間 through import and export: parsed into the row, written back the same."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.store.exporter import export_accounts
from fieldsales.store.importer import ImportReport, import_accounts, vocabulary

TODAY = date(2026, 11, 22)


def write(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


def run_import(engine: Engine, settings: Settings, path: Path) -> ImportReport:
    return import_accounts(
        engine,
        path,
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=TODAY,
    )


def hours(engine: Engine) -> dict[str, tuple[str | None, str | None, str | None]]:
    query = sa.text("SELECT external_id, closed_weekdays, opens_at, closes_at FROM account")
    with engine.connect() as conn:
        return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(query)}


def test_japanese_columns_fill_closed_weekdays_and_hours(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv",
        [
            "顧客コード,会社名,定休日,受付時間",
            "C1,山田工業,土日,9:00～17:00",
            "C2,東和商事,水曜日,９時～１８時",
            "C3,北海物産,,",
            "C4,南洋貿易,なし,08:30〜12:00",
        ],
    )
    report = run_import(engine, settings, path)
    assert report.written and report.created == 4 and not report.problems
    assert hours(engine) == {
        "C1": ("5,6", "09:00", "17:00"),
        "C2": ("2", "09:00", "18:00"),
        "C3": (None, None, None),
        "C4": (None, "08:30", "12:00"),
    }


def test_english_headers_and_a_changed_value_is_recorded(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", ["code,company,closed_days,hours", "C1,Yamada,Sun,9-17"])
    assert run_import(engine, settings, first).created == 1
    second = write(
        tmp_path / "b.csv", ["code,company,closed days,opening hours", "C1,Yamada,sat sun,10-17"]
    )
    report = run_import(engine, settings, second)
    assert report.updated == 1
    assert hours(engine)["C1"] == ("5,6", "10:00", "17:00")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT field, old_value, new_value, source FROM account_change ORDER BY field")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("closed_weekdays", "6", "5,6", "import:b.csv"),
        ("opens_at", "09:00", "10:00", "import:b.csv"),
    ]


def test_bad_values_are_row_errors_and_nothing_is_written(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            "顧客コード,会社名,休業日,営業時間",
            "C1,山田工業,土日,17:00-9:00",
            "C2,東和商事,週末,9:00-17:00",
            "C3,北海物産,月,9:00-17:00",
        ],
    )
    report = run_import(engine, settings, path)
    assert not report.written and report.rejected == 2
    problems = {(p.row, p.column): p.reason for p in report.problems}
    assert set(problems) == {(2, "opening_hours"), (3, "closed_weekdays")}
    assert "not after opens" in problems[(2, "opening_hours")]
    assert "not a weekday" in problems[(3, "closed_weekdays")]
    assert hours(engine) == {}


def test_export_writes_them_back_and_import_round_trips(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "a.csv",
        [
            "顧客コード,会社名,定休日,受付時間",
            "C1,山田工業,土・日・祝,9:00～17:00",
            "C2,東和商事,,",
        ],
    )
    run_import(engine, settings, path)
    with engine.connect() as conn:
        before = [dict(r) for r in conn.execute(sa.text("SELECT * FROM account")).mappings()]
    out = tmp_path / "export.csv"
    assert export_accounts(engine, out) == 2
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["external_id"]: r for r in csv.DictReader(fh)}
    assert (rows["C1"]["closed_weekdays"], rows["C1"]["opening_hours"]) == (
        "Sat,Sun",
        "09:00-17:00",
    )
    assert (rows["C2"]["closed_weekdays"], rows["C2"]["opening_hours"]) == ("", "")
    again = run_import(engine, settings, out)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    with engine.connect() as conn:
        after = [dict(r) for r in conn.execute(sa.text("SELECT * FROM account")).mappings()]
    assert after == before
