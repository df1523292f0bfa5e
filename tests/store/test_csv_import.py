"""CSV import into a real SQLite file: encodings, updates by key, history, rejects."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.store.csvio import CsvError
from fieldsales.store.importer import ImportReport, import_accounts, vocabulary

TODAY = date(2026, 11, 22)
HEADER = (
    "顧客コード,会社名,都道府県,市区町村,住所,緯度,経度,累計取引額,最終取引日,休眠理由,連絡不可"
)
ROWS = [
    'C1,株式会社山田工業,東京都,千代田区,丸の内1丁目2番3号,35.681,139.767,"￥1,200,000",令和6年4月1日,価格,',
    "C2,東和商事株式会社,神奈川県,横浜市西区,高島2-1,,,５００００円,2024/01/05,単純な忘却,はい",
]


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def run_import(engine: Engine, settings: Settings, path: Path, **kw: object) -> ImportReport:
    return import_accounts(
        engine,
        path,
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=TODAY,
        **kw,  # type: ignore[arg-type]
    )


def accounts(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM account ORDER BY external_id")).mappings()
        return [dict(r) for r in rows]


def changes(engine: Engine) -> list[tuple[str, str | None, str | None, str]]:
    with engine.connect() as conn:
        query = sa.text(
            "SELECT field, old_value, new_value, source FROM account_change ORDER BY field"
        )
        return [(r[0], r[1], r[2], r[3]) for r in conn.execute(query)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_encodings_are_detected(
    engine: Engine, settings: Settings, tmp_path: Path, encoding: str
) -> None:
    path = write(tmp_path / "a.csv", [HEADER, *ROWS], encoding)
    report = run_import(engine, settings, path)
    assert (report.created, report.written) == (2, True)
    stored = accounts(engine)
    assert [a["company"] for a in stored] == ["株式会社山田工業", "東和商事株式会社"]
    first, second = stored
    assert first["lifetime_revenue"] == 1_200_000
    assert first["last_order_date"] == "2024-04-01"
    assert first["main_reason"] == "price"
    assert (first["lat"], first["geo_source"], first["geo_precision"]) == (
        35.681,
        "import",
        "street",
    )
    assert (second["lat"], second["geo_precision"], second["do_not_contact"]) == (None, "none", 1)
    assert second["main_reason"] == "forgotten"


def test_reimport_updates_by_key_and_records_each_changed_field(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    run_import(engine, settings, write(tmp_path / "a.csv", [HEADER, *ROWS]))
    ids = [a["id"] for a in accounts(engine)]
    changed = ROWS[0].replace('"￥1,200,000"', "1500000").replace("価格", "競合")
    report = run_import(engine, settings, write(tmp_path / "b.csv", [HEADER, changed, ROWS[1]]))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    after = accounts(engine)
    assert [a["id"] for a in after] == ids
    assert after[0]["lifetime_revenue"] == 1_500_000
    assert changes(engine) == [
        ("lifetime_revenue", "1200000", "1500000", "import:b.csv"),
        ("main_reason", "price", "competitor", "import:b.csv"),
    ]


def test_without_external_id_the_company_and_address_find_the_account(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    header = "会社名,住所,累計取引額"
    run_import(
        engine,
        settings,
        write(tmp_path / "a.csv", [header, "株式会社山田工業,東京都千代田区丸の内1丁目2番3号,100"]),
    )
    report = run_import(
        engine,
        settings,
        write(tmp_path / "b.csv", [header, "山田工業(株),東京都千代田区丸の内１－２－３,200"]),
    )
    assert (report.created, report.updated) == (0, 1)
    assert [a["lifetime_revenue"] for a in accounts(engine)] == [200]


def test_columns_missing_from_the_file_are_left_alone(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    run_import(engine, settings, write(tmp_path / "a.csv", [HEADER, *ROWS]))
    report = run_import(
        engine,
        settings,
        write(tmp_path / "b.csv", ["顧客コード,会社名,備考", "C1,株式会社山田工業,駐車場あり"]),
    )
    assert report.updated == 1
    first = accounts(engine)[0]
    assert (first["notes"], first["lifetime_revenue"], first["lat"]) == (
        "駐車場あり",
        1_200_000,
        35.681,
    )


def test_a_new_address_without_position_drops_the_old_position(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    run_import(engine, settings, write(tmp_path / "a.csv", [HEADER, *ROWS]))
    moved = ["顧客コード,会社名,住所", "C1,株式会社山田工業,大手町1-1"]
    run_import(engine, settings, write(tmp_path / "b.csv", moved))
    first = accounts(engine)[0]
    assert (first["lat"], first["lon"], first["geo_precision"], first["geo_source"]) == (
        None,
        None,
        "none",
        None,
    )


def test_precision_column_overrides_the_default(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", ["company,lat,lon,geo_precision", "A,35.1,139.1,town"])
    run_import(engine, settings, path)
    assert accounts(engine)[0]["geo_precision"] == "town"


def test_any_bad_row_writes_nothing_and_every_problem_is_reported(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    bad = [
        HEADER,
        ROWS[0],
        "C3,悪い会社,東京都,港区,芝1-1,95,139.7,-5,2024/01/01,価格,",
        ROWS[1],
        "C4,未来の会社,東京都,港区,芝2-2,,,100,2099-01-01,天気,",
    ]
    report = run_import(engine, settings, write(tmp_path / "a.csv", bad))
    assert not report.written
    assert report.rejected == 2
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (3, "lat", "95"),
        (3, "lifetime_revenue", "-5"),
        (5, "last_order_date", "2099-01-01"),
        (5, "main_reason", "天気"),
    ]
    assert accounts(engine) == []


def test_skip_invalid_imports_good_rows_and_writes_rejects(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    bad = [HEADER, ROWS[0], "C3,悪い会社,東京都,港区,芝1-1,95,139.7,100,2024/01/01,価格,", ROWS[1]]
    path = write(tmp_path / "list.csv", bad)
    report = run_import(engine, settings, path, skip_invalid=True)
    assert (report.created, report.rejected, report.written) == (2, 1, True)
    assert report.rejects_file == tmp_path / "list.rejects.csv"
    text = report.rejects_file.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "row," + HEADER + ",errors"
    assert lines[1].startswith("3,C3,悪い会社,")
    assert "lat: must be between -90 and 90" in lines[1]
    assert len(lines) == 2


def test_duplicate_keys_inside_one_file_are_rejected(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    report = run_import(
        engine, settings, write(tmp_path / "a.csv", [HEADER, ROWS[0], ROWS[1], ROWS[0]])
    )
    assert not report.written
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (4, "external_id", "duplicate: same external_id as row 2")
    ]
    assert accounts(engine) == []


def test_file_level_problems_raise_and_write_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(CsvError, match="missing required column: company"):
        run_import(engine, settings, write(tmp_path / "a.csv", ["住所,緯度", "丸の内,35"]))
    assert accounts(engine) == []


def test_shifted_dates_for_the_demo(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    run_import(engine, settings, write(tmp_path / "a.csv", [HEADER, ROWS[0]]), shift_days=10)
    assert accounts(engine)[0]["last_order_date"] == "2024-04-11"


def test_progress_is_reported_for_each_phase(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seen: list[tuple[str, int, int]] = []
    run_import(
        engine,
        settings,
        write(tmp_path / "a.csv", [HEADER, *ROWS]),
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    assert seen == [("checking", 2, 2), ("writing", 2, 2)]
