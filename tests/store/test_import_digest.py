"""Re-importing skips the rows an import wrote before and nothing changed
since (each account keeps a digest of what the import wrote, migration 0013):
an unchanged row is not rewritten, a changed cell in any column is still
noticed (history row, new value), and a change made since by anything else
(the app, a sync, SQL) makes the next import compare that account again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldsales.config import Settings
from fieldsales.store.account_edit import update_account_fields
from tests.store.test_csv_import import accounts, changes, run_import, write

HEADER = (
    "顧客コード,会社名,都道府県,市区町村,住所,電話番号,業種,累計取引額,平均受注額,粗利率,"
    "初回取引日,最終取引日,購買周期(日),休眠理由,その他の休眠理由,競合状況,連絡不可,"
    "定休日,受付時間,備考"
)
ROWS = [
    "C1,株式会社山田工業,東京都,千代田区,丸の内1丁目2番3号,03-1234-5678,製造,1200000,30000,"
    "32%,2020-04-01,2025-04-01,30,価格,競合,併用,,土日,9:00-17:00,初回",
    "C2,東和商事株式会社,神奈川県,横浜市西区,高島2-1,045-000-0000,卸売,50000,5000,"
    "0.2,2021/01/05,2024/01/05,60,単純な忘却,,,はい,,,",
    "C3,大阪精機,大阪府,大阪市北区,梅田1-1-1,,,,,,,,,,,,,,,",
]


def digests(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT external_id, import_digest FROM account"))
        return {r[0]: r[1] for r in rows}


def test_an_unchanged_row_is_not_rewritten(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", [HEADER, *ROWS])
    assert run_import(engine, settings, path).created == 3
    assert all(digests(engine).values())
    before = accounts(engine)
    report = run_import(engine, settings, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert accounts(engine) == before  # updated_at too: not written at all
    assert changes(engine) == []


# (column, cell in row C1, field, value stored as the history shows it)
CHANGED = [
    ("住所", "丸の内2丁目2番3号", "address", "丸の内2丁目2番3号"),
    ("電話番号", "03-9999-0000", "phone", "03-9999-0000"),
    ("業種", "小売", "industry", "小売"),
    ("累計取引額", "1300000", "lifetime_revenue", "1300000"),
    ("粗利率", "33%", "gross_margin", "0.33"),
    ("最終取引日", "2025-05-01", "last_order_date", "2025-05-01"),
    ("購買周期(日)", "45", "purchase_cycle_days", "45"),
    ("休眠理由", "競合に切替", "main_reason", "competitor"),
    ("その他の休眠理由", "", "other_reasons", None),
    ("競合状況", "なし", "competitor_status", "none"),
    ("連絡不可", "はい", "do_not_contact", "true"),
    ("定休日", "水曜日", "closed_weekdays", "2"),
    ("受付時間", "10:00-18:00", "opens_at", "10:00"),
    ("備考", "二回目", "notes", "二回目"),
]


@pytest.mark.parametrize(
    ("column", "cell", "field", "stored"), CHANGED, ids=[c[2] for c in CHANGED]
)
def test_a_changed_cell_in_any_column_is_noticed(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    column: str,
    cell: str,
    field: str,
    stored: str | None,
) -> None:
    path = write(tmp_path / "a.csv", [HEADER, *ROWS])
    run_import(engine, settings, path)
    at = HEADER.split(",").index(column)
    cells = ROWS[0].split(",")
    cells[at] = cell
    changed = write(tmp_path / "b.csv", [HEADER, ",".join(cells), *ROWS[1:]])
    report = run_import(engine, settings, changed)
    assert (report.updated, report.unchanged) == (1, 2)
    history = [c for c in changes(engine) if c[0] == field]
    assert len(history) == 1
    assert history[0][2] == stored
    assert history[0][3] == "import:b.csv"
    assert "import_digest" not in {c[0] for c in changes(engine)}
    # and the file read back again is unchanged now: its digest was kept
    again = run_import(engine, settings, changed)
    assert (again.updated, again.unchanged) == (0, 3)


def test_an_edit_in_the_app_is_compared_again(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", [HEADER, *ROWS])
    run_import(engine, settings, path)
    c1 = next(a for a in accounts(engine) if a["external_id"] == "C1")
    with Session(engine) as session:
        update_account_fields(session, str(c1["id"]), {"phone": "090-0000-0000"})
        session.commit()
    assert digests(engine)["C1"] is None  # cleared by the trigger
    report = run_import(engine, settings, path)
    assert (report.updated, report.unchanged) == (1, 2)
    assert next(a for a in accounts(engine) if a["external_id"] == "C1")["phone"] == "03-1234-5678"


def test_only_a_change_of_the_account_clears_the_digest(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Kept scores and timestamps are rewritten without the account changing."""
    path = write(tmp_path / "a.csv", [HEADER, *ROWS])
    run_import(engine, settings, path)
    kept = digests(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account SET static_scores = NULL, updated_at = created_at"))
    assert digests(engine) == kept
    with engine.begin() as conn:  # as a sync or locating writes
        conn.execute(sa.text("UPDATE account SET lat = 35.0, lon = 139.0 WHERE external_id = 'C3'"))
    assert digests(engine) == {**kept, "C3": None}
    report = run_import(engine, settings, path)
    assert (report.updated, report.unchanged) == (0, 3)  # no position in the file: kept
