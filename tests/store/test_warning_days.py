"""A day's early-warning figures kept in the SQLite file (table warning_day,
migration 0015, store/warning_days.py): a listing keeps them, the next one on
the same day with the same config reads them back, and every kind of write
(an account added or edited, an outcome logged or taken back, import-orders,
a hand-written UPDATE or DELETE of accounts, outcomes or orders), another
day or another config gives what a fresh computation gives; figures computed while another program changed the file, or in a file
that cannot be written now, are not kept."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from fieldsales.commands import listing_output
from fieldsales.config import Settings
from fieldsales.services import early_warning
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcome_form import OutcomeError
from fieldsales.services.rank import rank_accounts
from fieldsales.store import lite
from tests.conftest import AccountFactory, CliRunner, _log
from tests.speed.test_kept_fit import _accounts, _base, _orders_file
from tests.speed.test_listing_output import sensitive_churn

TODAY = date(2026, 11, 30)
OFFICE = (35.681236, 139.767125)


def _kept(db_path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT key, n FROM warning_day").fetchall()
    finally:
        conn.close()


def _sql(db_path: Path, *statements: str) -> None:
    """Hand-written changes through sqlite3, committed."""
    conn = sqlite3.connect(db_path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _fields(db_path: Path, settings: Settings, today: date = TODAY) -> list[dict[str, Any]]:
    """Every account's early-warning fields as a listing read with sqlite3 gets
    them (kept ones when there are), in rowid order."""
    source = lite.open_file(db_path)
    assert source is not None
    try:
        table = rank_accounts(source, settings, origin=OFFICE, today=today)
        figures = early_warning.day_figures(table.base)
        return early_warning.fields_of(figures, np.arange(table.base.n, dtype=np.intp))
    finally:
        source.close()


def _reference(engine: Engine, settings: Settings, today: date = TODAY) -> list[dict[str, Any]]:
    """The same, each account's computed alone through SQLAlchemy (never kept)."""
    table = rank_accounts(engine, settings, origin=OFFICE, today=today)
    return [early_warning.account_fields(table, p) for p in range(table.base.n)]


@pytest.fixture
def base(engine: Engine, add_account: AccountFactory, settings: Settings, tmp_path: Path) -> Engine:
    """40 accounts with order histories, 5 without; unanswered calls and orders
    logged as outcomes."""
    from fieldsales.store.orders_import import import_orders

    import_orders(engine, _base(add_account, tmp_path, n=40), max_line_bytes=1_000_000, today=TODAY)
    ids = {a.external_id: a.id for a in _accounts(engine)}
    for i in range(0, 40, 3):
        for k in range(3):
            _log(
                engine,
                settings,
                ids[f"H{i:03d}"],
                TODAY - timedelta(days=20 - k),
                result="no_answer",
            )
    for i in range(1, 40, 7):
        day = TODAY - timedelta(days=3)
        _log(engine, settings, ids[f"H{i:03d}"], day, result="order", order_amount=50_000)
    return engine


def test_a_listing_keeps_the_days_figures_and_the_next_reads_them(
    base: Engine, settings: Settings, db_path: Path
) -> None:
    reference = _reference(base, settings)
    assert _kept(db_path) == []
    assert _fields(db_path, settings) == reference
    ((key, n),) = _kept(db_path)
    assert n == 45
    # the next listing shows what the file keeps (changed here behind its back)
    halves = np.full(n, 0.5).tobytes()
    _sql(db_path, f"UPDATE warning_day SET p_alive = x'{halves.hex()}'")
    assert {f["p_alive"] for f in _fields(db_path, settings)} == {0.5}
    assert _kept(db_path) == [(key, n)]
    _sql(db_path, "DELETE FROM warning_day")
    assert _fields(db_path, settings) == reference


def test_the_full_listing_reads_them_byte_for_byte(
    base: Engine, settings: Settings, db_path: Path
) -> None:
    """`rank --json --top 0` through sqlite3: the same text computed and read back."""

    def listing() -> str:
        source = lite.open_file(db_path)
        assert source is not None
        try:
            items = rank_accounts(source, settings, origin=OFFICE, today=TODAY)
            out = io.StringIO()
            # every account: more than a short view reads of its own accounts
            early_warning.day_figures(items.base)
            listing_output.write_json(out, items, "Office", *OFFICE, len(items), settings)
            return out.getvalue()
        finally:
            source.close()

    first = listing()
    assert len(_kept(db_path)) == 1
    assert listing() == first
    assert '"no_reaction"' in first and '"p_alive": null' in first


def _writes(
    base: Engine,
    settings: Settings,
    db_path: Path,
    cli: CliRunner,
    tmp_path: Path,
    add_account: AccountFactory,
) -> dict[str, Callable[[], object]]:
    ids = {a.external_id: a.id for a in _accounts(base)}

    def import_orders() -> None:
        path = _orders_file(tmp_path, {"N000": 3, "H005": 9}, name="more.csv")
        res = cli("--db", str(db_path), "import-orders", str(path))
        assert res.returncode == 0, res.stderr

    def import_accounts(rows: str, name: str) -> None:
        path = tmp_path / name
        path.write_text("顧客コード,会社名,都道府県,市区町村,住所,最終取引日\n" + rows, "utf-8")
        res = cli("--db", str(db_path), "import", "--no-locate", str(path))
        assert res.returncode == 0, res.stderr

    return {
        "an account file imported (new accounts)": lambda: import_accounts(
            "".join(
                f"Y{i},輸入商事{i},東京都,千代田区,丸の内1-{i},2025-0{i + 1}-10\n" for i in range(3)
            ),
            "new.csv",
        ),
        "an account file imported again, changed": lambda: import_accounts(
            "Y1,輸入商事1,東京都,千代田区,丸の内1-1,2026-03-03\n", "changed.csv"
        ),
        "an unanswered call": lambda: _log(
            base, settings, ids["H001"], TODAY - timedelta(days=1), result="no_answer"
        ),
        "an order logged": lambda: _log(
            base, settings, ids["H002"], TODAY, result="order", order_amount=900_000
        ),
        "the last outcome taken back": lambda: undo_last(base, settings, ids["H002"], today=TODAY),
        "import-orders": import_orders,
        "an account added": lambda: add_account(external_id="Z999", last_order_date=TODAY),
        "an account's last order edited": lambda: _sql(
            db_path, f"UPDATE account SET last_order_date = '2026-01-05' WHERE id = '{ids['H004']}'"
        ),
        "an account's purchase cycle edited": lambda: _sql(
            db_path, f"UPDATE account SET purchase_cycle_days = 3 WHERE id = '{ids['H006']}'"
        ),
        "an outcome's result changed": lambda: _sql(
            db_path,
            "UPDATE outcome SET result = 'contacted' WHERE result = 'no_answer' AND rowid = "
            "(SELECT min(rowid) FROM outcome WHERE result = 'no_answer')",
        ),
        "an outcome deleted": lambda: _sql(
            db_path, "DELETE FROM outcome WHERE rowid = (SELECT max(rowid) FROM outcome)"
        ),
        "an order's amount changed": lambda: _sql(
            db_path, "UPDATE account_order SET amount = amount * 9 WHERE rowid % 4 = 0"
        ),
        "orders deleted": lambda: _sql(
            db_path, f"DELETE FROM account_order WHERE account_id = '{ids['H007']}'"
        ),
        "an account deleted": lambda: _sql(
            db_path,
            f"DELETE FROM outcome WHERE account_id = '{ids['H010']}'",
            f"DELETE FROM account_order WHERE account_id = '{ids['H010']}'",
            f"DELETE FROM account WHERE id = '{ids['H010']}'",
        ),
    }


def test_every_kind_of_write_forgets_them(
    base: Engine,
    settings: Settings,
    db_path: Path,
    cli: CliRunner,
    tmp_path: Path,
    add_account: AccountFactory,
) -> None:
    writes = _writes(base, settings, db_path, cli, tmp_path, add_account)
    for what, write in writes.items():
        assert _fields(db_path, settings) == _reference(base, settings), what
        assert len(_kept(db_path)) == 1, what
        write()
        assert _kept(db_path) == [], what
        assert _fields(db_path, settings) == _reference(base, settings), what


def test_another_day_or_config_computes_them_afresh(
    base: Engine, settings: Settings, db_path: Path
) -> None:
    assert _fields(db_path, settings) == _reference(base, settings)
    ((key, _),) = _kept(db_path)
    keys = {key}
    for later in (1, 30, 400):
        day = TODAY + timedelta(days=later)
        assert _fields(db_path, settings, day) == _reference(base, settings, day), later
        ((key, _),) = _kept(db_path)
        keys.add(key)
    churn = sensitive_churn(settings)
    clv = settings.clv.model_copy(update={"horizon_days": 30})
    for other, matters in (
        (settings.model_copy(update={"churn": churn}), True),
        (settings.model_copy(update={"clv": clv}), True),
        (settings.model_copy(update={"timezone": "America/New_York"}), False),
    ):
        fields = _fields(db_path, other)
        assert fields == _reference(base, other)
        assert (fields != _reference(base, settings)) == matters
        ((key, _),) = _kept(db_path)
        keys.add(key)
    assert len(keys) == 7
    # the same values read from a config file elsewhere: the kept figures hold
    moved = other.model_copy(update={"source_files": ("/elsewhere/config.yaml",)})
    assert _fields(db_path, moved) == _reference(base, other)
    assert _kept(db_path) == [(key, 45)]


def test_figures_computed_while_the_file_changed_are_not_kept(
    base: Engine, settings: Settings, db_path: Path
) -> None:
    source = lite.open_file(db_path)
    assert source is not None
    try:
        table = rank_accounts(source, settings, origin=OFFICE, today=TODAY)
        # another program commits after the file was opened
        _sql(db_path, "UPDATE account SET notes = 'x' WHERE rowid = 1")
        early_warning.day_figures(table.base)
    finally:
        source.close()
    assert _kept(db_path) == []
    assert _fields(db_path, settings) == _reference(base, settings)
    assert len(_kept(db_path)) == 1


def test_a_file_another_program_is_writing_lists_without_keeping(
    base: Engine, settings: Settings, db_path: Path
) -> None:
    _fields(db_path, settings)  # the blocks kept: the ranking itself need not write
    _sql(db_path, "DELETE FROM warning_day")
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock
        assert _fields(db_path, settings) == _reference(base, settings)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _kept(db_path) == []


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_kept_figures_equal_the_per_account_reference_after_any_writes(
    engine: Engine,
    add_account: AccountFactory,
    settings: Settings,
    db_path: Path,
    tmp_path_factory: Any,
    data: st.DataObject,
) -> None:
    """Listings on drawn days, with writes drawn in between (outcomes logged
    and taken back, orders changed): what each reads, kept or computed, equals
    every account's own figures computed through SQLAlchemy."""
    from fieldsales.store.orders_import import import_orders

    if not _accounts(engine):
        path = _base(add_account, tmp_path_factory.mktemp("orders"), n=25)
        import_orders(engine, path, max_line_bytes=1_000_000, today=TODAY)
    ids = sorted(a.id for a in _accounts(engine))
    for _ in range(data.draw(st.integers(1, 4), label="steps")):
        day = TODAY + timedelta(days=data.draw(st.sampled_from([0, 0, 1, 90]), label="day"))
        assert _fields(db_path, settings, day) == _reference(engine, settings, day)
        who = data.draw(st.sampled_from(ids), label="account")
        what = data.draw(
            st.sampled_from(["none", "no_answer", "order", "undo", "amount"]), label="write"
        )
        if what in ("no_answer", "order"):
            amount = 40_000 if what == "order" else None
            when = TODAY - timedelta(days=data.draw(st.integers(0, 60), label="days ago"))
            _log(engine, settings, who, when, result=what, order_amount=amount)
        elif what == "undo":
            with contextlib.suppress(OutcomeError):  # nothing to take back: no write
                undo_last(engine, settings, who, today=TODAY)
        elif what == "amount":
            _sql(
                db_path, f"UPDATE account_order SET amount = amount + 1 WHERE account_id = '{who}'"
            )
        assert _fields(db_path, settings, day) == _reference(engine, settings, day)
