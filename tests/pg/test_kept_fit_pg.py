"""The kept BG/NBD fit (table model_fit, migration 0010) on PostgreSQL: the
first ranking after an import fits and keeps it, the next reads it back."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from fieldsales.store.db import open_engine
from tests.conftest import CliRunner

TODAY = date(2026, 11, 30)


def _fits(pg_url: str) -> list[tuple[str, str]]:
    engine = open_engine(pg_url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r) for r in conn.execute(sa.text("SELECT fingerprint, params FROM model_fit"))
            ]
    finally:
        engine.dispose()


def test_fit_is_kept_and_reused_on_postgresql(pg_url: str, tmp_path: Path, cli: CliRunner) -> None:
    codes = [f"F{i:02d}" for i in range(22)]
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "顧客コード,会社名,住所\n"
        + "".join(f"{c},会社{c},東京都港区芝{i}-1\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    assert cli("--db", pg_url, "import", "--no-locate", str(accounts)).returncode == 0
    rows = ["顧客コード,受注日,金額"]
    for i, c in enumerate(codes):
        for k in range(6 + i):
            rows.append(f"{c},{(TODAY - timedelta(days=10 + (20 + i) * k)).isoformat()},100000")
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli("--db", pg_url, "import-orders", str(orders)).returncode == 0
    args = ("--db", pg_url, "rank", "--json", "--top", "0", "--date", TODAY.isoformat())
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    kept = _fits(pg_url)
    assert len(kept) == 1 and len(json.loads(kept[0][1])["bgnbd"]) == 4
    second = cli(*args)
    assert _fits(pg_url) == kept
    assert json.loads(second.stdout)["accounts"] == json.loads(first.stdout)["accounts"]
    assert any(a["p_alive"] is not None for a in json.loads(second.stdout)["accounts"])
