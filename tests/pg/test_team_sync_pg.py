"""`fieldsales sync` against a real team database: two reps and a lead, conflicts,
late-committing transactions, and the local database untouched on a dropped connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from fieldsales.config import Settings
from fieldsales.services.account_card import save_account_fields
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import open_engine

from .team_helpers import Team, local_db, make_team

TODAY = date(2026, 11, 30)


def _log(db: Path, settings: Settings, account_id: str, rep: str) -> str:
    engine = open_engine(db)
    moment = datetime(2026, 11, 30, 3, tzinfo=UTC)
    data = OutcomeInput(
        account_id=account_id, occurred_at=moment, channel="phone", result="contacted", rep=rep
    )
    oid = log_outcome(engine, settings, data, today=TODAY).id
    engine.dispose()
    return oid


def _edit(db: Path, account_id: str, **changes: Any) -> None:
    engine = open_engine(db)
    save_account_fields(engine, account_id, changes)
    engine.dispose()


def _rows(url: str | Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = open_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def _sync(cli: Callable[..., Any], db: Path, remote: str) -> tuple[int, int, int]:
    r = cli("--db", str(db), "sync", "--remote", remote)
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip().splitlines()[-1]
    nums = [int(part.split()[-1]) for part in line.split(": ", 1)[1].split(", ")]
    return nums[0], nums[1], nums[2]


def _lead_sql(team: Team, sql: str, *params: Any) -> None:
    with psycopg.connect(team.url[team.lead]) as conn:
        conn.execute(sql, params)


def test_two_reps_and_a_lead_interleaved(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato, suzuki = team.reps
    a, b = local_db(tmp_path, "sato"), local_db(tmp_path, "suzuki")
    # first sync: each rep gets exactly their own accounts
    assert _sync(cli, a, team.url[sato]) == (0, 3, 0)
    assert _sync(cli, b, team.url[suzuki]) == (0, 3, 0)
    sato_ids = team.accounts_of(sato)
    assert [r[0] for r in _rows(a, "SELECT id FROM account ORDER BY id")] == sato_ids
    # interleaved: both reps log and edit offline, the lead reassigns and marks
    o1 = _log(a, settings, sato_ids[0], "Sato")
    suzuki_ids = team.accounts_of(suzuki)
    o2 = _log(b, settings, suzuki_ids[0], "Suzuki")
    _edit(a, sato_ids[1], contact_name="田中")
    moved = sato_ids[2]
    r = cli("--db", team.url[team.lead], "assign", moved, "--to", suzuki)
    assert r.returncode == 0, r.stderr
    _lead_sql(team, "UPDATE account SET do_not_contact = true WHERE id = %s", sato_ids[0])
    o3 = _log(a, settings, sato_ids[0], "Sato")
    o4 = _log(a, settings, moved, "Sato")  # logged before the laptop learns of the move
    assert _sync(cli, a, team.url[sato]) == (4, 2, 0)  # 3 outcomes + 1 edit; dnc + moved
    # the moved account arrives with its history (Sato's outcome on it)
    assert _sync(cli, b, team.url[suzuki]) == (1, 2, 0)
    assert _rows(b, "SELECT rep FROM outcome WHERE id = :o", o=o4) == [("Sato",)]
    assert _sync(cli, a, team.url[sato]) == (0, 0, 0)  # nothing new: nothing happens
    # the lead calls one of Sato's customers: Sato's laptop gets the outcome
    lead = open_engine(team.url[team.lead])
    o5 = log_outcome(
        lead, settings,
        OutcomeInput(account_id=sato_ids[1], occurred_at=datetime(2026, 11, 30, 5, tzinfo=UTC),
                     channel="phone", result="interested", rep="Lead"),
        today=TODAY,
    ).id  # fmt: skip
    lead.dispose()
    assert _sync(cli, a, team.url[sato]) == (0, 1, 0)
    assert _rows(a, "SELECT rep, result FROM outcome WHERE id = :o", o=o5) == [
        ("Lead", "interested")
    ]
    assert _sync(cli, b, team.url[suzuki]) == (0, 0, 0)  # not Suzuki's account
    server = _rows(pg_url, "SELECT id, rep FROM outcome ORDER BY id")
    assert sorted(server) == sorted(
        [(o1, "Sato"), (o2, "Suzuki"), (o3, "Sato"), (o4, "Sato"), (o5, "Lead")]
    )
    assert _rows(pg_url, "SELECT contact_name FROM account WHERE id = :i", i=sato_ids[1]) == [
        ("田中",)
    ]
    assert _rows(
        a, "SELECT do_not_contact, owner_rep FROM account WHERE id = :i", i=sato_ids[0]
    ) == [(1, sato)]
    assert _rows(a, "SELECT owner_rep FROM account WHERE id = :i", i=moved) == [(suzuki,)]
    assert (moved,) in _rows(b, "SELECT id FROM account")
    # history: the lead's changes are in the laptop's account history, source sync
    hist = _rows(
        a, "SELECT field, old_value, new_value, source FROM account_change WHERE account_id = :i",
        i=sato_ids[0],
    )  # fmt: skip
    assert ("do_not_contact", "false", "true", "sync") in hist
    # both sides keep the checkpoint
    cp = _rows(a, "SELECT value FROM sync_state WHERE key = 'pull_xid'")[0][0]
    assert (
        _rows(
            pg_url, "SELECT CAST(pulled_xid AS text) FROM team_client WHERE team_role = :r", r=sato
        )[-1][0]
        == cp
    )
    assert _rows(a, "SELECT count(*) FROM sync_outbox") == [(0,)]


def test_conflicting_edits_later_change_wins_loser_kept(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    _sync(cli, a, team.url[sato])
    acc1, acc2, _ = team.accounts_of(sato)
    lead = open_engine(team.url[team.lead])
    # acc1: the rep edits first, the lead later: the lead's value wins
    _edit(a, acc1, phone="090-rep")
    save_account_fields(lead, acc1, {"phone": "03-lead"})
    # acc2: the lead edits first, the rep later: the rep's value wins
    save_account_fields(lead, acc2, {"phone": "03-lead2"})
    _edit(a, acc2, phone="090-rep2")
    lead.dispose()
    assert _sync(cli, a, team.url[sato]) == (2, 1, 2)
    phones = dict(_rows(a, "SELECT id, phone FROM account WHERE id IN (:x, :y)", x=acc1, y=acc2))
    assert phones == {acc1: "03-lead", acc2: "090-rep2"}
    srv = dict(_rows(pg_url, "SELECT id, phone FROM account WHERE id IN (:x, :y)", x=acc1, y=acc2))
    assert srv == phones
    # the losing values are in the history on both sides
    local_hist = _rows(
        a, "SELECT old_value, new_value FROM account_change WHERE account_id = :i AND field='phone'",
        i=acc1,
    )  # fmt: skip
    assert ("090-rep", "03-lead") in local_hist
    server_hist = _rows(
        pg_url, "SELECT old_value, new_value, source FROM account_change WHERE field = 'phone'"
    )
    assert ("090-rep", "03-lead", f"sync:{sato}:conflict-lost") in server_hist
    assert ("03-lead2", "090-rep2", f"sync:{sato}:conflict-won") in server_hist


def test_a_late_committing_transaction_is_not_skipped(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    _sync(cli, a, team.url[sato])
    acc1, acc2, _ = team.accounts_of(sato)
    late = psycopg.connect(team.url[team.lead])
    try:
        # begun first (gets the older transaction id), committed after the pull
        late.execute("UPDATE account SET notes = 'late' WHERE id = %s", (acc1,))
        _lead_sql(team, "UPDATE account SET notes = 'early' WHERE id = %s", acc2)
        _sync(cli, a, team.url[sato])
        late.commit()
    finally:
        late.close()
    _sync(cli, a, team.url[sato])
    notes = dict(_rows(a, "SELECT id, notes FROM account WHERE id IN (:x, :y)", x=acc1, y=acc2))
    assert notes == {acc1: "late", acc2: "early"}


def _with_connection_killed(team: Team, role: str, run: Callable[[], Any]) -> Any:
    done = threading.Event()

    def killer() -> None:
        with psycopg.connect(team.admin, autocommit=True) as conn:
            while not done.is_set():
                n = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE usename = %s AND wait_event_type = 'Lock'",
                    (role,),
                ).fetchone()
                if n and n[0]:
                    return
                time.sleep(0.05)

    with psycopg.connect(team.admin) as lock:
        lock.execute("LOCK TABLE team_op IN ACCESS EXCLUSIVE MODE")
        t = threading.Thread(target=killer)
        t.start()
        try:
            return run()
        finally:
            done.set()
            t.join()


def test_a_dropped_connection_leaves_the_local_database_as_it_was(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    _sync(cli, a, team.url[sato])
    _log(a, settings, team.accounts_of(sato)[0], "Sato")
    dump = {
        t: _rows(a, f"SELECT * FROM {t}")
        for t in ("account", "outcome", "sync_outbox", "sync_state")
    }

    # the server goes away in the middle of the push: the push waits on a lock the
    # lead holds, and the server ends the rep's connection meanwhile
    r = _with_connection_killed(
        team, sato, lambda: cli("--db", str(a), "sync", "--remote", team.url[sato])
    )
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "connection failed during sync" in r.stderr
    assert "nothing changed here" in r.stderr
    after = {t: _rows(a, f"SELECT * FROM {t}") for t in dump}
    assert after == dump
    # a server that is not there at all
    r = cli(
        "--db", str(a), "sync", "--remote", "postgresql://sato:pw-in-url@127.0.0.1:1/x?password=qs"
    )
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "pw-in-url" not in r.stderr + r.stdout and "qs" not in r.stderr.replace("***", "")
    assert {t: _rows(a, f"SELECT * FROM {t}") for t in dump} == dump
    # and the next sync pushes what waited
    assert _sync(cli, a, team.url[sato])[0] == 1


def test_unassigned_accounts_when_configured(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    from fieldsales.store.team.roles import init_team

    team = make_team(pg_url)
    init_team(pg_url, reps_see_unassigned=True)
    a = local_db(tmp_path, "sato")
    assert _sync(cli, a, team.url[team.reps[0]]) == (0, 4, 0)


def test_routes_and_their_updates_reach_the_server_once(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    from fieldsales.store import routes
    from fieldsales.store.db import session_scope
    from fieldsales.store.models import Route, RouteStop

    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    _sync(cli, a, team.url[sato])
    acc1, acc2, _ = team.accounts_of(sato)
    engine = open_engine(a)
    at = datetime.now(UTC)  # the stops are made now: their marks must come later
    with session_scope(engine) as s:
        route = Route(rep="Sato", day=date(2026, 12, 1), start_label="Office", start_lat=35.68,
                      start_lon=139.76, end_label="Office", end_lat=35.68, end_lon=139.76)  # fmt: skip
        stops = [
            RouteStop(
                route_id=route.id, account_id=acc, seq=i, planned_arrival=at, planned_departure=at
            )
            for i, acc in enumerate((acc1, acc2), 1)
        ]
        rid = routes.add_route(s, route, stops)
    assert _sync(cli, a, team.url[sato])[0] == 1
    with session_scope(engine) as s:
        routes.mark_stop(s, rid, acc1, "done", at + timedelta(hours=1))
    with session_scope(engine) as s:
        routes.mark_stop(s, rid, acc2, "skipped", at + timedelta(hours=2))
    engine.dispose()
    oid = _log(a, settings, acc1, "Sato")
    assert _sync(cli, a, team.url[sato])[0] == 3
    assert _rows(pg_url, "SELECT status, team_role FROM route WHERE id = :r", r=rid) == [
        ("done", sato)
    ]
    assert sorted(
        _rows(pg_url, "SELECT account_id, status FROM route_stop WHERE route_id = :r", r=rid)
    ) == sorted([(acc1, "done"), (acc2, "skipped")])
    assert _rows(pg_url, "SELECT count(*) FROM outcome WHERE id = :o", o=oid) == [(1,)]
    # the other rep sees none of it
    assert _rows(team.url[team.reps[1]], "SELECT count(*) FROM route") == [(0,)]


def test_status_and_refusals(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    r = cli("--db", str(a), "sync")
    assert r.returncode == 1 and "no team database: give --remote" in r.stderr
    r = cli("--db", str(a), "sync", "--status")
    assert "last sync: never" in r.stdout and "waiting to push: 0" in r.stdout
    config = tmp_path / "c.yaml"
    config.write_text(f"team:\n  remote: {team.url[sato]}\n")
    r = cli("--config", str(config), "--db", str(a), "sync")
    assert r.returncode == 0 and "pushed 0, pulled 3, conflicts 0" in r.stdout
    _log(a, settings, team.accounts_of(sato)[0], "Sato")
    r = cli("--db", str(a), "sync", "--status")
    assert f"remote: {team.url[sato]}" in r.stdout and "waiting to push: 1" in r.stdout
    # the team database itself has nothing to sync; a database without team init is named
    r = cli("--db", team.url[team.lead], "sync", "--remote", team.url[sato])
    assert r.returncode == 1 and "sync runs on a laptop's own database" in r.stderr
    r = cli("--db", str(a), "sync", "--remote", pg_url.rsplit("/", 1)[0] + "/postgres")
    assert r.returncode == 1 and "not a team database yet" in r.stderr
    r = cli("--db", str(a), "sync", "--remote", pg_url)  # the superuser: RLS would not apply
    assert r.returncode == 1 and "that login is an administrator" in r.stderr


def test_an_outcome_of_an_account_the_server_lacks_is_refused_and_kept(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], settings: Settings
) -> None:
    from fieldsales.domain.text import fold
    from fieldsales.store.db import session_scope
    from fieldsales.store.models import Account

    team = make_team(pg_url)
    sato = team.reps[0]
    a = local_db(tmp_path, "sato")
    _sync(cli, a, team.url[sato])
    engine = open_engine(a)
    with session_scope(engine) as s:  # made on the laptop only
        acc = Account(company="新規開拓", match_key=fold("新規開拓|"))
        s.add(acc)
    engine.dispose()
    _log(a, settings, acc.id, "Sato")
    r = cli("--db", str(a), "sync", "--remote", team.url[sato])
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "the team database refused the sync" in r.stderr and "nothing changed here" in r.stderr
    assert _rows(a, "SELECT count(*) FROM sync_outbox") == [(1,)]
    assert _rows(pg_url, "SELECT count(*) FROM outcome") == [(0,)]
