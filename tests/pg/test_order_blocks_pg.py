"""The order history kept packed in a laptop's SQLite file (migration 0014)
stays what the tables say across a sync pull from a real team database: an
account that arrives (assigned by the lead) lands in a block and its orders
count, an order the lead logs as an outcome is merged in; PostgreSQL itself
keeps no blocks and reads its table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fieldsales.config import Settings
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store import lite, order_blocks, orders, unit
from fieldsales.store.db import open_engine
from fieldsales.store.order_scan import whole_order_arrays
from fieldsales.store.schema import ORDER
from tests.store.test_order_blocks import _assert_equal, _order

from .team_helpers import local_db, make_team

TODAY = date(2026, 11, 30)


def _same(db: Path) -> list[str]:
    """The read from the kept blocks equals the SQLAlchemy read of the table."""
    engine = open_engine(db)
    try:
        with unit.reading(engine) as s:
            want = orders.order_arrays(s, None)
    finally:
        engine.dispose()
    f = lite.open_file(db)
    assert f is not None
    try:
        got = whole_order_arrays(f)
        assert got is not None and order_blocks.read(f) is not None
        _assert_equal(got, want)
        return got.ids
    finally:
        f.close()


def test_a_sync_pull_keeps_the_blocks_true(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato, suzuki = team.reps
    laptop = local_db(tmp_path, "sato")
    r = cli("--db", str(laptop), "sync", "--remote", team.url[sato])
    assert r.returncode == 0, r.stderr
    mine = team.accounts_of(sato)
    engine = open_engine(laptop)
    with engine.begin() as conn:
        conn.execute(
            ORDER.insert(),
            [
                _order(a, date(2026, 1 + k, 10), 1000 * (k + 1), f"k{k}")
                for a in mine
                for k in (0, 1)
            ],
        )
    engine.dispose()
    assert sorted(_same(laptop)) == sorted(mine)
    # the lead gives Sato one of Suzuki's accounts (it already has orders in
    # the local file: imported before the account was known here, foreign
    # keys off) and logs an order on one of Sato's own
    theirs = team.accounts_of(suzuki)[0]
    engine = open_engine(laptop)
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
        conn.execute(ORDER.insert(), [_order(theirs, date(2026, 3, 3), 777, "early")])
    engine.dispose()
    r = cli("--db", team.url[team.lead], "assign", theirs, "--to", sato)
    assert r.returncode == 0, r.stderr
    lead = open_engine(team.url[team.lead])
    log_outcome(
        lead,
        settings,
        OutcomeInput(
            account_id=mine[0],
            occurred_at=datetime(2026, 11, 29, 5, tzinfo=UTC),
            channel="phone",
            result="order",
            order_amount=4321,
            rep="Lead",
        ),
        today=TODAY,
    )
    lead.dispose()
    r = cli("--db", str(laptop), "sync", "--remote", team.url[sato])
    assert r.returncode == 0, r.stderr
    ids = _same(laptop)
    assert theirs in ids  # the account came, its block was made again
    f = lite.open_file(laptop)
    assert f is not None
    try:
        got = whole_order_arrays(f)
        assert got is not None and 4321 in got.amount.tolist()
    finally:
        f.close()
    # the team database has no blocks: its read is the table's
    server = open_engine(pg_url)
    try:
        assert "order_block" not in sa.inspect(server).get_table_names()
    finally:
        server.dispose()
