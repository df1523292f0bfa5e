"""Order history on PostgreSQL: migration 0007, import-orders idempotent, the
derived fields, and rank --json with signs and P(alive) from it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldsales.store import db as dbmod
from fieldsales.store.db import open_engine
from tests.conftest import CliRunner

TODAY = date(2026, 11, 30)


def test_orders_import_derive_and_rank_on_postgresql(
    pg_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    codes = [f"C{i:02d}" for i in range(22)]
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "顧客コード,会社名,住所\n"
        + "".join(f"{c},会社{c},東京都港区芝{i}-1\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    assert cli("--db", pg_url, "import", "--no-locate", str(accounts)).returncode == 0
    rows = ["顧客コード,受注日,受注番号,金額"]
    for i, c in enumerate(codes):
        for k in range(24):
            amount = 30_000 if c == "C00" and k < 12 else 100_000
            number = f"{c}-{k}" if i % 2 else ""
            rows.append(
                f"{c},{(TODAY - timedelta(days=10 + 30 * k)).isoformat()},{number},{amount}"
            )
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = cli("--db", pg_url, "import-orders", str(orders))
    assert first.returncode == 0, first.stderr
    assert "528 new orders" in first.stdout
    again = cli("--db", pg_url, "import-orders", str(orders))
    assert "0 new orders, 528 already stored" in again.stdout
    engine = open_engine(pg_url)
    assert dbmod.current_revision(engine) == dbmod.HEAD_REVISION
    with engine.connect() as conn:
        c01 = conn.execute(
            sa.text(
                "SELECT first_order_date, last_order_date, order_count, lifetime_revenue, "
                "purchase_cycle_days FROM account WHERE external_id = 'C01'"
            )
        ).one()
    engine.dispose()
    assert tuple(c01) == (TODAY - timedelta(days=700), TODAY - timedelta(days=10), 24,
                          2_400_000, 30)  # fmt: skip
    res = cli("--db", pg_url, "rank", "--json", "--top", "0", "--date", TODAY.isoformat())
    by_code = {a["external_id"]: a for a in json.loads(res.stdout)["accounts"]}
    assert "amount_drop" in by_code["C00"]["signals"] and by_code["C01"]["signals"] == []
    assert by_code["C01"]["p_alive"] == pytest.approx(1.0, abs=0.05)
