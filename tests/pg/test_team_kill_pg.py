"""A real `fieldsales sync` process killed with SIGKILL at random moments, then run
again: every outcome, route and edit reaches the server once, and the laptop keeps
everything it had."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

from fieldsales.config import default_settings
from fieldsales.services.account_card import save_account_fields
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import open_engine

from .team_helpers import local_db, make_team

KILLS = 8
# enough waiting work that every run has some left to be cut short in, on a fast machine
OUTCOMES = 1200


def _env(home: Path, config: Path) -> dict[str, str]:
    env = {"FIELDSALES_HOME": str(home), "PATH": "/usr/bin:/bin", "FIELDSALES_CONFIG": str(config)}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def _connected(watch: psycopg.Connection[tuple[int]], role: str) -> bool:
    row = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (role,))
    one = row.fetchone()
    return bool(one and one[0])


def _receipts(watch: psycopg.Connection[tuple[int]]) -> int:
    """How many of the laptop's ops the server holds (committed push batches)."""
    row = watch.execute("SELECT count(*) FROM team_op").fetchone()
    return int(row[0]) if row else 0


def test_sync_killed_at_random_moments_loses_and_doubles_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    team = make_team(pg_url, accounts_per_rep=60)
    sato = team.reps[0]
    db = local_db(tmp_path, "sato")
    config = tmp_path / "config.yaml"
    config.write_text("team:\n  batch_size: 5\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "fieldsales", "--db", str(db), "sync", "--remote", team.url[sato]]
    env = _env(tmp_path / "home", config)
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    # days offline: 1,200 outcomes and 60 edits waiting in the outbox
    engine = open_engine(db)
    settings = default_settings()
    with psycopg.connect(pg_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM account WHERE owner_rep = %s", (sato,))]
    logged = []
    start = datetime(2026, 11, 2, 0, tzinfo=UTC)
    for i in range(OUTCOMES):
        data = OutcomeInput(
            account_id=ids[i % len(ids)],
            occurred_at=start + timedelta(minutes=7 * i),
            channel="phone",
            result="contacted",
            rep="Sato",
        )
        logged.append(log_outcome(engine, settings, data, today=date(2026, 11, 30)).id)
    for i, acc in enumerate(ids):
        save_account_fields(engine, acc, {"notes": f"memo {i}"})
    engine.dispose()

    # each run is killed at a random moment after it reached the server. Every other
    # run dies once the server holds a random number more of its ops (mid-push, however
    # fast the machine); the others after a random delay (the push, the pull, the local
    # commit or the checkpoint's update)
    rng = random.Random(20)
    kills = 0
    waiting = OUTCOMES + len(ids)
    with psycopg.connect(pg_url, autocommit=True) as watch:
        for run in range(KILLS):
            before = _receipts(watch)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            while proc.poll() is None and not _connected(watch, sato):
                time.sleep(0.01)
            if run % 2 == 0:
                left = waiting - before
                target = before + rng.randint(1, max(1, left // 8))
                while proc.poll() is None and _receipts(watch) < target:
                    time.sleep(0.002)
            else:
                time.sleep(rng.uniform(0.0, 0.6))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=60)
    assert kills >= KILLS // 2  # most runs were cut short
    last = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert last.returncode == 0, last.stderr
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert "pushed 0, pulled 0, conflicts 0" in again.stdout

    with psycopg.connect(pg_url) as conn:
        server = [r[0] for r in conn.execute("SELECT id FROM outcome")]
        notes: dict[str, str] = dict(
            conn.execute("SELECT id, notes FROM account WHERE owner_rep = %s", (sato,))
        )
        receipts = conn.execute("SELECT count(*), count(DISTINCT op_id) FROM team_op").fetchone()
        history = conn.execute(
            "SELECT count(*) FROM account_change WHERE field = 'notes'"
        ).fetchone()
    assert sorted(server) == sorted(logged)  # each outcome once
    assert notes == {acc: f"memo {i}" for i, acc in enumerate(ids)}
    assert receipts == (OUTCOMES + len(ids), OUTCOMES + len(ids))
    assert history == (60,)  # each edit applied once
    local = open_engine(db)
    with local.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outcome")).scalar_one() == OUTCOMES
        assert conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM account")).scalar_one() == 60
    local.dispose()
