"""`fieldsales import-orders`: an order history in, each account's order fields
derived from it; re-import idempotent; bad files change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.services.rank import rank_accounts
from tests.conftest import AccountFactory, CliRunner

HEADER = "顧客コード,受注日,受注番号,金額,商品名"
ROWS = [
    'C1,2024/01/10,A1,"100,000",ネジ',
    "C1,2024/03/10,A2,120000,ボルト",
    "C1,令和6年5月12日,,９００００,",  # no order number; 和暦, full-width digits
    "C1,2024-05-12,,30000,",  # the same day: one purchase occasion for the interval
    "C2,2025-01-01,B1,50000円,",
]


def _accounts(add_account: AccountFactory) -> dict[str, str]:
    c1 = add_account(external_id="C1", lifetime_revenue=9_999, purchase_cycle_days=365)
    c2 = add_account(external_id="C2", purchase_cycle_days=30)
    c3 = add_account(external_id="C3", lifetime_revenue=777, purchase_cycle_days=90,
                     last_order_date=date(2023, 1, 1))  # fmt: skip
    return {"C1": c1.id, "C2": c2.id, "C3": c3.id}


def _file(tmp_path: Path, rows: list[str], name: str = "受注履歴.csv", enc: str = "cp932") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(enc))
    return path


def _state(engine: Engine) -> tuple[dict[str, tuple[Any, ...]], int]:
    with engine.connect() as conn:
        accounts = {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                sa.text(
                    "SELECT external_id, first_order_date, last_order_date, order_count, "
                    "lifetime_revenue, average_order, purchase_cycle_days FROM account"
                )
            )
        }
        orders = conn.execute(sa.text("SELECT count(*) FROM account_order")).scalar_one()
    return accounts, orders


def test_cp932_japanese_file_imports_and_derives_fields(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    res = cli("--db", str(db_path), "import-orders", str(_file(tmp_path, ROWS)))
    assert res.returncode == 0, res.stderr
    assert "(cp932): 5 rows: 5 new orders, 0 already stored, 0 rejected" in res.stdout
    accounts, orders = _state(engine)
    assert orders == 5
    # C1: 4 orders on 3 days (gaps 60 and 63 days: median 61.5 -> 62), 340,000 yen
    assert accounts["C1"] == ("2024-01-10", "2024-05-12", 4, 340_000, 85_000, 62)
    # C2: one order: no interval yet, the typed cycle stays
    assert accounts["C2"] == ("2025-01-01", "2025-01-01", 1, 50_000, 50_000, 30)
    # C3 has no history: the values typed in the account file apply
    assert accounts["C3"] == (None, "2023-01-01", None, 777, None, 90)


def test_reimport_is_idempotent_and_new_orders_extend_the_history(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    path = _file(tmp_path, ROWS)
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    first = _state(engine)
    res = cli("--db", str(db_path), "import-orders", str(path))
    assert "0 new orders, 5 already stored" in res.stdout
    assert _state(engine) == first
    # the next month's export: the old rows again plus one new order
    more = _file(tmp_path, [*ROWS, "C2,2025-03-02,B2,70000,"], name="next.csv", enc="utf-8")
    res = cli("--db", str(db_path), "import-orders", str(more))
    assert "1 new orders, 5 already stored" in res.stdout
    accounts, orders = _state(engine)
    assert orders == 6
    assert accounts["C2"] == ("2025-01-01", "2025-03-02", 2, 120_000, 60_000, 60)


def test_bad_rows_are_grouped_and_nothing_is_written(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    before = _state(engine)
    rows = [*ROWS] + [f"C9{i % 2},2024-01-0{i + 1},,1000," for i in range(8)]
    rows += ["C1,2024-13-45,,1000,", "C1,2024-01-01,,-500,", "C1,2999-01-01,,1,"]
    res = cli("--db", str(db_path), "import-orders", str(_file(tmp_path, rows)))
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    unknown = [ln for ln in lines if "no account with this code" in ln]
    assert len(unknown) == 1 and "in 8 row(s)" in unknown[0] and "(3 more)" in unknown[0]
    assert any("order_date" in ln and "row 15" in ln for ln in lines)
    assert any("negative" in ln and "row 16" in ln for ln in lines)
    assert any("in the future" in ln and "row 17" in ln for ln in lines)
    assert "11 bad row(s) of 16; nothing was imported" in res.stderr
    assert _state(engine) == before


def test_skip_invalid_imports_good_rows_and_writes_rejects(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    path = _file(tmp_path, [*ROWS, "C404,2024-01-01,,1000,"])
    res = cli("--db", str(db_path), "import-orders", "--skip-invalid", str(path))
    assert res.returncode == 0
    assert "5 new orders, 0 already stored, 1 rejected" in res.stdout
    rejects = path.with_suffix(".rejects.csv").read_text(encoding="utf-8-sig")
    assert "C404" in rejects and "no account with this code" in rejects
    assert _state(engine)[1] == 5


def test_dry_run_writes_nothing(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    before = _state(engine)
    res = cli("--db", str(db_path), "import-orders", "--dry-run", str(_file(tmp_path, ROWS)))
    assert res.returncode == 0
    assert "dry run, nothing written" in res.stdout and "5 new orders" in res.stdout
    assert "受注日 → order_date" in res.stdout
    assert _state(engine) == before


def test_missing_columns_and_broken_file_are_one_line(
    add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    no_amount = tmp_path / "a.csv"
    no_amount.write_text("顧客コード,受注日\nC1,2024-01-01\n", encoding="utf-8")
    res = cli("--db", str(db_path), "import-orders", str(no_amount))
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "missing required column: amount" in res.stderr
    res = cli("--db", str(db_path), "import-orders", str(tmp_path / "none.csv"))
    assert res.returncode == 1 and "file not found" in res.stderr
    quoted = _file(tmp_path, ['C1,"2024-01-01,,1000,', "C1,2024-02-01,,1000,"], enc="utf-8")
    res = cli("--db", str(db_path), "import-orders", str(quoted))
    assert "unterminated quote" in res.stderr and "in 1 row(s): row 2" in res.stderr


def _log(engine: Engine, settings: Settings, account_id: str, day: date, **kw: Any) -> str:
    moment = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    data = OutcomeInput(account_id=account_id, occurred_at=moment, rep="Sato", **kw)
    return log_outcome(engine, settings, data, today=date(2026, 11, 30)).id


def test_an_order_logged_as_an_outcome_counts_as_an_order(
    engine: Engine,
    settings: Settings,
    add_account: AccountFactory,
    cli: CliRunner,
    db_path: Path,
    tmp_path: Path,
) -> None:
    ids = _accounts(add_account)
    assert cli("--db", str(db_path), "import-orders", str(_file(tmp_path, ROWS))).returncode == 0
    # C1 is dormant by its 62-day interval; an order logged on 2026-11-10 revives it
    _log(engine, settings, ids["C1"], date(2026, 11, 10), channel="visit", result="order",
         order_amount=60_000)  # fmt: skip
    accounts, _ = _state(engine)
    assert accounts["C1"][2:5] == (5, 400_000, 80_000)  # count, revenue, average
    assert accounts["C1"][1] == "2024-05-12"  # last imported order: the stage sees the revival
    ranked = rank_accounts(engine, settings, origin=(35.68, 139.76), today=date(2026, 11, 30))
    stage = {a.id: a.stage for a in ranked}
    assert stage[ids["C1"]] == "revived"
    # undone: the order no longer counts
    undo_last(engine, settings, ids["C1"], today=date(2026, 11, 30))
    assert _state(engine)[0]["C1"][2:5] == (4, 340_000, 85_000)
    # C3 has no imported history: a logged order leaves its typed values alone
    _log(engine, settings, ids["C3"], date(2026, 11, 10), channel="visit", result="order",
         order_amount=5_000)  # fmt: skip
    assert _state(engine)[0]["C3"][3] == 777


def test_account_reimport_keeps_fields_derived_from_history(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    _accounts(add_account)
    assert cli("--db", str(db_path), "import-orders", str(_file(tmp_path, ROWS))).returncode == 0
    derived = _state(engine)[0]["C1"]
    typed = tmp_path / "accounts.csv"
    typed.write_text(
        "顧客コード,会社名,累計取引額,最終取引日,購買周期\nC1,テスト商事1,1,2020-01-01,999\n",
        encoding="utf-8",
    )
    res = cli("--db", str(db_path), "import", "--no-locate", str(typed))
    assert res.returncode == 0, res.stderr
    assert _state(engine)[0]["C1"] == derived
