"""`rank --json` and `rank --signals` on imported order histories: the churn
signs, P(alive) and expected value per account."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import AccountFactory, CliRunner

TODAY = date(2026, 11, 30)


def _orders(code: str, pattern: str) -> list[str]:
    """Three years of monthly orders, shaped by `pattern`."""
    rows = []
    for k in range(36):
        ago = 10 + 30 * k
        amount = 100_000
        if pattern == "shrinking" and k < 12:
            amount = 30_000
        if pattern == "silent":
            ago += 290
        rows.append(f"{code},{(TODAY - timedelta(days=ago)).isoformat()},{amount}")
    return rows


def _base(add_account: AccountFactory, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    patterns = {"S01": "shrinking", "Q01": "silent"} | {f"K{i:02d}": "steady" for i in range(24)}
    names = {}
    rows = ["顧客コード,受注日,金額"]
    for code, pattern in patterns.items():
        names[code] = add_account(external_id=code, company=f"{pattern}{code}").company
        rows += _orders(code, pattern)
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, names


def test_rank_json_gives_signals_p_alive_and_expected_value(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path, _ = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    res = cli("--db", str(db_path), "rank", "--json", "--top", "0", "--date", TODAY.isoformat())
    assert res.returncode == 0, res.stderr
    by_code = {a["external_id"]: a for a in json.loads(res.stdout)["accounts"]}
    shrinking, steady, silent = by_code["S01"], by_code["K00"], by_code["Q01"]
    assert shrinking["stage"] == "active"
    assert {"amount_drop", "amounts_shrinking"} <= set(shrinking["signals"])
    assert steady["signals"] == []
    # silent for ten months: dormant by its 30-day interval, so it carries no signs
    assert silent["stage"].startswith("dormant") and silent["signals"] == []
    # a steady monthly buyer is almost surely alive; ten months of silence is not
    assert steady["p_alive"] > 0.9 > silent["p_alive"] >= 0
    assert 2 < steady["expected_orders"] < 4  # about three orders in the next 90 days
    assert 80_000 < steady["expected_order_value"] < 120_000
    assert steady["expected_future_value"] > silent["expected_future_value"]


def test_rank_signals_lists_the_slipping_accounts_with_their_signs(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path, names = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    res = cli("--db", str(db_path), "rank", "--signals", "--date", TODAY.isoformat())
    assert res.returncode == 0, res.stderr
    assert "1 of 1 accounts" in res.stdout
    assert names["S01"] in res.stdout and "purchases halved" in res.stdout
    assert names["K00"] not in res.stdout and "signs" in res.stdout


def test_config_switch_makes_expected_future_value_the_deal(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path, _ = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    switched = tmp_path / "config.yaml"
    switched.write_text("clv:\n  deal_from_expected_value: true\n", encoding="utf-8")
    args = ("rank", "--json", "--top", "0", "--date", TODAY.isoformat())
    plain = json.loads(cli("--db", str(db_path), *args).stdout)["accounts"]
    future = json.loads(cli("--db", str(db_path), "--config", str(switched), *args).stdout)
    steady_plain = next(a for a in plain if a["external_id"] == "K00")
    steady = next(a for a in future["accounts"] if a["external_id"] == "K00")
    # the deal was the average order (100,000, derived); now ~3 orders' worth
    ratio = steady["expected_future_value"] / 100_000
    visit = steady["expected_value"]["visit"] / steady_plain["expected_value"]["visit"]
    assert ratio > 2 and visit == pytest.approx(ratio, rel=0.01)


def test_stage_at_risk_shows_the_signs_column_too(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path, names = _base(add_account, tmp_path)
    late = add_account(external_id="L01", company="遅延L01").company
    rows = [f"L01,{(TODAY - timedelta(days=70 + 30 * k)).isoformat()},100000" for k in range(24)]
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    res = cli("--db", str(db_path), "rank", "--stage", "at_risk", "--date", TODAY.isoformat())
    assert res.returncode == 0, res.stderr
    assert late in res.stdout and "past its interval" in res.stdout
    assert names["S01"] not in res.stdout  # active: the at-risk list only
