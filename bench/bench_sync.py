"""`fieldsales sync` on loopback: 50,000 accounts down, 10,000 outcomes up (issue 20).

    python bench/bench_sync.py [--accounts 50000] [--outcomes 10000] [--url postgresql://…]

Without --url it starts a throwaway PostgreSQL 15 on 127.0.0.1 in a temporary
folder, as the tests do (as the `postgres` user when run as root). Then:
team init, one rep (password from the environment, SCRAM on the wire is not
asked by the local trust setup), N clustered accounts (bench/_instances.py)
assigned to the rep, and times the whole command `fieldsales sync` in a child
process, end to end (start-up included):

1. first sync into an empty laptop database: every account comes down;
2. M outcomes logged on the laptop (through the app's own write path, so each
   has its outbox row), then a sync pushes them up;
3. the lead changes every account (one UPDATE), then a sync pulls them all
   as changes (field by field, with history);
4. a sync with nothing to do.
Target: 1 and 2 each under 10 s. Prints wall time and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

TARGET_S = 10.0


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextmanager
def throwaway_server() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="fieldsales-bench-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in (root, data, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    subprocess.run(
        _as_postgres("initdb", "-D", str(data), "-U", "fieldsales", "--auth=trust", "-E", "UTF8",
                     "--locale=C"),
        check=True, capture_output=True,
    )  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(
        _as_postgres("pg_ctl", "-D", str(data), "-w", "-l", str(root / "log"), "-o",
                     f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://fieldsales@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres("pg_ctl", "-D", str(data), "-m", "fast", "stop"),
                       capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def timed_sync(local: Path, remote: str, home: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the child and its last line."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FIELDSALES_HOME": str(home)}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "fieldsales", "--db", str(local), "sync", "--remote", remote],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"sync failed: {r.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, r.stdout.strip().splitlines()[-1].split(": ", 1)[1]


def run(base: str, accounts: int, outcomes: int) -> None:
    import _instances as inst
    import psycopg
    import sqlalchemy as sa

    from fieldsales.store.db import open_engine, session_scope
    from fieldsales.store.models import Outcome
    from fieldsales.store.outcome_log import add_outcome
    from fieldsales.store.team.roles import add_member, init_team

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    admin = f"{base}/{name}"
    rep = f"rep_{name[-8:]}"
    t0 = time.perf_counter()
    inst.make_clustered_db(admin, accounts, seed=20, outcomes_per_100=0)  # type: ignore[arg-type]
    init_team(admin, reps_see_unassigned=False)
    add_member(admin, rep, lead=False, password=uuid.uuid4().hex)
    engine = open_engine(admin)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account SET owner_rep = :r"), {"r": rep})
    engine.dispose()
    print(f"server ready: {accounts:,} accounts for {rep} ({time.perf_counter() - t0:.1f} s)")
    remote = admin.replace("://fieldsales@", f"://{rep}@", 1)

    work = Path(tempfile.mkdtemp(prefix="fieldsales-bench-sync-"))
    local = work / "laptop.db"
    open_engine(local).dispose()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"(a shared {os.cpu_count()}-core machine, load average {load}: wall times are "
          "inflated by its load; step 4 is the command's start-up and round trips alone)")  # fmt: skip

    wall, mb, line = timed_sync(local, remote, work / "home")
    print(f"1. first sync, {accounts:,} accounts down: {wall:.2f} s, peak {mb:.0f} MB  [{line}]"
          f"  {'OK' if wall < TARGET_S else 'over target'} (< {TARGET_S:.0f} s)")  # fmt: skip

    engine = open_engine(local)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM account")).scalars())
    rng = random.Random(3)
    start = datetime(2026, 11, 2, 0, tzinfo=UTC)
    with session_scope(engine) as s:  # the app's write path: each outcome with its outbox row
        for i in range(outcomes):
            add_outcome(
                session=s,
                outcome=Outcome(
                    account_id=rng.choice(ids),
                    rep="Sato",
                    channel=rng.choice(["visit", "phone", "email", "dm"]),
                    result=rng.choice(["no_answer", "contacted", "interested", "appointment"]),
                    occurred_at=start + timedelta(minutes=3 * i),
                ),
            )
    engine.dispose()
    wall, mb, line = timed_sync(local, remote, work / "home")
    print(f"2. {outcomes:,} outcomes up: {wall:.2f} s, peak {mb:.0f} MB  [{line}]"
          f"  {'OK' if wall < TARGET_S else 'over target'} (< {TARGET_S:.0f} s)")  # fmt: skip

    with psycopg.connect(admin) as conn:
        conn.execute("UPDATE account SET notes = 'lead: call before visiting'")
    wall, mb, line = timed_sync(local, remote, work / "home")
    print(f"3. lead changed all {accounts:,} accounts, pulled as changes with history: "
          f"{wall:.2f} s, peak {mb:.0f} MB  [{line}]")  # fmt: skip

    wall, mb, line = timed_sync(local, remote, work / "home")
    print(f"4. nothing to do: {wall:.2f} s  [{line}]")
    with psycopg.connect(admin) as conn:
        n = conn.execute("SELECT count(*) FROM outcome").fetchone()
    print(f"server holds {n[0] if n else 0:,} outcomes (expected {outcomes:,})")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=50_000)
    ap.add_argument("--outcomes", type=int, default=10_000)
    ap.add_argument("--url", help="a PostgreSQL server (superuser, no database) to use instead")
    args = ap.parse_args()
    if args.url:
        run(args.url.rstrip("/"), args.accounts, args.outcomes)
        return
    with throwaway_server() as base:
        run(base, args.accounts, args.outcomes)


if __name__ == "__main__":
    main()
