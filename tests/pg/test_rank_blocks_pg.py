"""The packed ranking inputs of a laptop's SQLite file (migration 0012) after a
`fieldsales sync` pull: the pulled accounts and outcomes clear their blocks
(the triggers fire for the sync's writes too), and the ranking from the
blocks equals the one from the tables. PostgreSQL itself gets no blocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from fieldsales.config import Settings
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import open_engine
from tests.store.test_rank_blocks import TODAY, _blocks, _same

from .team_helpers import local_db, make_team


def test_a_sync_pull_clears_the_blocks_it_changes(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    db = local_db(tmp_path, "sato")
    r = cli("--db", str(db), "sync", "--remote", team.url[sato])
    assert r.returncode == 0, r.stderr
    engine = open_engine(db)
    try:
        _same(db, engine, settings)
        assert _blocks(db) == {0: next(iter(_blocks(db).values()))}
        ids = team.accounts_of(sato)
        # the lead edits one account and logs an outcome on another, on the server
        with psycopg.connect(team.url[team.lead]) as conn:
            conn.execute("UPDATE account SET lifetime_revenue = 25000000 WHERE id = %s", [ids[0]])
        lead = open_engine(team.url[team.lead])
        data = OutcomeInput(
            account_id=ids[1],
            occurred_at=datetime(2026, 11, 21, 5, tzinfo=UTC),
            channel="phone",
            result="order",
            rep="Lead",
        )
        log_outcome(lead, settings, data, today=TODAY)
        lead.dispose()
        r = cli("--db", str(db), "sync", "--remote", team.url[sato])
        assert r.returncode == 0, r.stderr
        assert _blocks(db) == {}  # the pull's writes went through the triggers
        _same(db, engine, settings)
        assert _ranked_revenue(db, ids[0], settings) == 25_000_000
    finally:
        engine.dispose()
    # the team database has no blocks: PostgreSQL ranks from its tables
    server = open_engine(pg_url)
    try:
        assert "rank_block" not in sa.inspect(server).get_table_names()
    finally:
        server.dispose()


def _ranked_revenue(db: Path, account_id: str, settings: Settings) -> float:
    from fieldsales.services.rank import rank_accounts
    from fieldsales.store import lite, reads

    f = lite.open_file(db)
    assert f is not None
    try:
        assert reads.kept_inputs(f, settings.scoring) is not None
        ranked = rank_accounts(f, settings, origin=(35.68, 139.76), today=TODAY)
        base = ranked.base
        return float(base.revenue[list(base.ids).index(account_id)])
    finally:
        f.close()
