"""Issue 19: the BG/NBD and Gamma-Gamma fit is kept with the order data
(table model_fit) and reused by every ranking until orders or the `clv:`
config change; the early-warning fields of a listing are built a batch at a
time (and for the accounts shown only) and equal the per-account reference."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services import early_warning
from fieldsales.services.rank import rank_accounts
from fieldsales.store.models import Account
from tests.conftest import AccountFactory, CliRunner, _log

TODAY = date(2026, 11, 30)


def _orders_file(tmp_path: Path, codes: dict[str, int], name: str = "orders.csv") -> Path:
    """Monthly orders for each code: `codes` maps it to a seed of its pattern."""
    rows = ["顧客コード,受注日,金額"]
    for code, k0 in codes.items():
        rng = np.random.default_rng(k0)
        gap = int(rng.integers(20, 60))
        count = int(rng.integers(2, 30))
        start = int(rng.integers(5, 400))
        for k in range(count):
            day = TODAY - timedelta(days=start + gap * k)
            rows.append(f"{code},{day.isoformat()},{int(rng.integers(10, 300)) * 1000}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _base(add_account: AccountFactory, tmp_path: Path, n: int = 30) -> Path:
    codes = {}
    for i in range(n):
        code = f"H{i:03d}"
        add_account(external_id=code, lat=35.6 + i * 0.003, lon=139.7 + (i % 7) * 0.004)
        codes[code] = i
    for i in range(5):  # accounts with no order history at all
        add_account(external_id=f"N{i:03d}")
    return _orders_file(tmp_path, codes)


def _accounts(engine: Engine) -> list[Account]:
    from sqlmodel import Session, select

    with Session(engine) as session:
        return list(session.exec(select(Account)).all())


def _fit_rows(engine: Engine) -> list[tuple[str, str, Any]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.text("SELECT fingerprint, params, created_at FROM model_fit"))
        ]


def _rank_json(cli: CliRunner, db_path: Path, *extra: str) -> dict[str, Any]:
    res = cli("--db", str(db_path), *extra, "rank", "--json", "--top", "0", "--date", str(TODAY))
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_the_fit_is_kept_reused_and_refitted_after_new_orders_or_a_config_change(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    path = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    assert _fit_rows(engine) == []
    first = _rank_json(cli, db_path)
    rows = _fit_rows(engine)
    assert len(rows) == 1
    params = json.loads(rows[0][1])
    assert len(params["bgnbd"]) == 4 and len(params["gamma_gamma"]) == 3

    # a second ranking reads the kept row: not rewritten, the same figures
    second = _rank_json(cli, db_path)
    assert _fit_rows(engine) == rows
    assert second["accounts"] == first["accounts"]
    assert any(a["p_alive"] is not None for a in second["accounts"])

    # new orders: a new fingerprint, fitted again on the next ranking
    more = _orders_file(tmp_path, {"H000": 1000, "H001": 1001}, "more.csv")
    assert cli("--db", str(db_path), "import-orders", str(more)).returncode == 0
    _rank_json(cli, db_path)
    after_orders = _fit_rows(engine)
    assert len(after_orders) == 1 and after_orders[0][0] != rows[0][0]
    assert json.loads(after_orders[0][1])["bgnbd"] != params["bgnbd"]

    # a clv: config change that shapes the fit: fitted again with it
    config = tmp_path / "config.yaml"
    config.write_text("clv:\n  penalizer: 0.5\n", encoding="utf-8")
    _rank_json(cli, db_path, "--config", str(config))
    after_config = _fit_rows(engine)
    assert len(after_config) == 1 and after_config[0][0] != after_orders[0][0]
    assert json.loads(after_config[0][1])["bgnbd"] != json.loads(after_orders[0][1])["bgnbd"]


def test_kept_figures_equal_a_fresh_fit(
    engine: Engine, add_account: AccountFactory, settings: Settings, tmp_path: Path, cli: Any
) -> None:
    from fieldsales.store.orders_import import import_orders

    path = _base(add_account, tmp_path)
    import_orders(engine, path, max_line_bytes=1_000_000, today=TODAY)
    origin = (settings.office.lat, settings.office.lon)
    fresh = rank_accounts(engine, settings, origin=origin, today=TODAY)
    w1 = early_warning.warnings_for(fresh.base)  # fits and keeps
    again = rank_accounts(engine, settings, origin=origin, today=TODAY)
    assert "clv_fit" not in again.base.computed()
    w2 = early_warning.warnings_for(again.base)  # reads the kept row
    assert w2.model.bgnbd == w1.model.bgnbd and w2.model.gamma_gamma == w1.model.gamma_gamma
    np.testing.assert_array_equal(w1.p_alive, w2.p_alive)
    np.testing.assert_array_equal(w1.expected_future_value, w2.expected_future_value)


def test_a_listing_of_a_few_accounts_reads_only_their_orders(
    engine: Engine, add_account: AccountFactory, settings: Settings, tmp_path: Path
) -> None:
    from fieldsales.store.orders_import import import_orders

    path = _base(add_account, tmp_path)
    import_orders(engine, path, max_line_bytes=1_000_000, today=TODAY)
    origin = (settings.office.lat, settings.office.lon)
    table = rank_accounts(engine, settings, origin=origin, today=TODAY)
    top = table[:5]
    cols = early_warning.listing_fields(top)([int(p) for p in top.indices])
    fields = [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]
    # the top 5 computed alone: the whole base's warnings were never built
    assert "early_warning" not in table.base.computed()
    reference = [early_warning.account_fields(table, int(p)) for p in top.indices]
    assert fields == reference


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_batch_fields_equal_the_per_account_reference(
    engine: Engine,
    add_account: AccountFactory,
    settings: Settings,
    tmp_path_factory: Any,
    data: st.DataObject,
) -> None:
    """Whichever way a listing gets its fields (the whole base's warnings, or
    those of its own accounts only), each account's equal account_fields."""
    from fieldsales.store.orders_import import import_orders

    with engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM account")).scalar_one()
    if not have:
        path = _base(add_account, tmp_path_factory.mktemp("orders"), n=40)
        import_orders(engine, path, max_line_bytes=1_000_000, today=TODAY)
        # outcomes too: unanswered calls (no_reaction), orders logged as outcomes
        ids = {a.external_id: a.id for a in _accounts(engine)}
        for i in range(0, 40, 3):
            for k in range(3):
                day = TODAY - timedelta(days=20 - k)
                _log(engine, settings, ids[f"H{i:03d}"], day, result="no_answer")
        for i in range(1, 40, 7):
            day = TODAY - timedelta(days=3)
            _log(engine, settings, ids[f"H{i:03d}"], day, result="order", order_amount=50_000)
    origin = (
        data.draw(st.floats(35.5, 35.8), label="lat"),
        data.draw(st.floats(139.6, 139.9), label="lon"),
    )
    table = rank_accounts(engine, settings, origin=origin, today=TODAY)
    positions = data.draw(
        st.lists(st.sampled_from([int(p) for p in table.base.order]), max_size=20, unique=True)
    )
    subset = early_warning.warnings_at(table.base, positions)
    got = early_warning.fields_of(subset, np.arange(len(positions), dtype=np.intp))
    whole = early_warning.warnings_for(table.base)
    batch = early_warning.fields_of(whole, np.array(positions, dtype=np.intp))
    reference = [early_warning.account_fields(table, p) for p in positions]
    assert got == reference
    assert batch == reference
    # the signs of the subset equal the whole base's, row by row
    np.testing.assert_array_equal(subset.signs.fired, whole.signs.fired[positions])
    # the base has what the fields show: signs that fired, figures and blanks
    every = early_warning.fields_of(whole, np.arange(table.base.n, dtype=np.intp))
    assert any(f["signals"] for f in every) and any(f["p_alive"] is None for f in every)
    assert any("no_reaction" in f["signals"] for f in every)
