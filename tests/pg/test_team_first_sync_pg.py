"""A laptop used before its rep joined a team: its first sync matches its own accounts
to the team's, pushes their earlier outcomes once, keeps the rest on the laptop only,
and says so in one line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fieldsales.config import Settings
from fieldsales.domain.text import fold
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account

from .team_helpers import local_db, make_team

TODAY = date(2026, 11, 30)


def _rows(url: str | Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = open_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _log(db: Path, settings: Settings, account_id: str, hour: int) -> str:
    engine = open_engine(db)
    data = OutcomeInput(
        account_id=account_id,
        occurred_at=datetime(2026, 11, 20, hour, tzinfo=UTC),
        channel="visit",
        result="contacted",
        rep="Sato",
    )
    oid = log_outcome(engine, settings, data, today=TODAY).id
    engine.dispose()
    return oid


def _as_before_the_outbox(db: Path) -> None:
    """What a laptop used before migration 0009 holds: outcomes without outbox rows."""
    engine = open_engine(db)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM sync_outbox"))
    engine.dispose()


def test_first_sync_matches_own_accounts_pushes_their_history_and_keeps_the_rest(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    by_ext = dict(_rows(pg_url, "SELECT external_id, id FROM account WHERE owner_rep = :r", r=sato))
    team_ids = [by_ext[e] for e in ("C00000", "C00001", "C00002")]
    db = local_db(tmp_path, "sato")
    engine = open_engine(db)
    with session_scope(engine) as s:  # imported on the laptop before the team existed
        by_external = Account(external_id="C00000", company="会社0", match_key=fold("会社0|"))
        by_name = Account(company="会社1", match_key=fold("会社1|"))  # no external id
        own = Account(external_id="MY-1", company="新規開拓", match_key=fold("新規開拓|"))
        s.add_all([by_external, by_name, own])
    engine.dispose()
    early = [
        _log(db, settings, by_external.id, 9),
        _log(db, settings, by_name.id, 10),
        _log(db, settings, own.id, 11),
    ]
    _as_before_the_outbox(db)  # logged before the sync outbox existed
    later = _log(db, settings, by_external.id, 12)  # after 0009: in the outbox

    r = cli("--db", str(db), "sync", "--remote", team.url[sato])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].endswith(": pushed 3, pulled 3, conflicts 0"), lines
    assert lines[1] == (
        "first sync: of the accounts this laptop had before joining the team, 2 matched "
        "the team's (same external id, or company and address) and now carry its ids, "
        "their 2 earlier outcomes and routes pushed; 1 not in the team database stay on "
        "this laptop only and are never pushed (your lead can import them)"
    )
    # the matched accounts carry the team's ids, with their outcomes
    assert _rows(db, "SELECT id FROM account WHERE external_id = 'C00000'") == [(team_ids[0],)]
    assert sorted(
        _rows(db, "SELECT id, account_id FROM outcome WHERE account_id <> :o", o=own.id)
    ) == sorted([(early[0], team_ids[0]), (early[1], team_ids[1]), (later, team_ids[0])])
    # every account the rep has on the team, plus the own one, once each
    assert sorted(r[0] for r in _rows(db, "SELECT id FROM account")) == sorted([*team_ids, own.id])
    # the server got the matched accounts' outcomes, once; never the own account's
    server = _rows(pg_url, "SELECT id, account_id FROM outcome")
    assert sorted(server) == sorted(
        [(early[0], team_ids[0]), (early[1], team_ids[1]), (later, team_ids[0])]
    )
    # the own account and its outcome stay here; later outcomes on it wait, unpushed
    assert _rows(db, "SELECT account_id FROM outcome WHERE id = :o", o=early[2]) == [(own.id,)]
    _log(db, settings, own.id, 13)
    r = cli("--db", str(db), "sync", "--remote", team.url[sato])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("pushed 0, pulled 0, conflicts 0")
    assert len(_rows(pg_url, "SELECT id FROM outcome")) == 3
    status = cli("--db", str(db), "sync", "--status")
    assert "waiting to push: 0" in status.stdout
    assert "accounts kept on this laptop only (not in the team database): 1" in status.stdout
    # a later outcome on a matched account goes up as usual
    _log(db, settings, team_ids[1], 14)
    r = cli("--db", str(db), "sync", "--remote", team.url[sato])
    assert r.stdout.strip().endswith("pushed 1, pulled 0, conflicts 0")


def test_a_first_sync_of_a_laptop_without_accounts_says_nothing_more(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    db = local_db(tmp_path, "sato")
    r = cli("--db", str(db), "sync", "--remote", team.url[team.reps[0]])
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) == 1
