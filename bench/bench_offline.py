"""How long `fieldsales geocode` takes to say "offline" with no way to the server.

Runs the real command in a fresh process on a generated database (bench/_gen.py,
accounts located only to their town, so every one is a geocoding target) against
three dead ends on this machine, with the shipped retry settings (3 retries,
back-off from 2 s, about 15 s of waiting before "offline" was reported):

- a closed port on 127.0.0.1 (nothing listens: connection refused);
- a name that does not resolve (no-such-host.invalid);
- a listener on 127.0.0.1 whose connection queue is full and never accepted, so
  the connection gets no answer (as behind a dead route or a dropping firewall).

Prints, for each: wall time, CPU time (user + system: what the wall time would
be on an idle machine, start-up and imports included, plus the waits), exit
code, the last line on stderr, and the peak memory of the process. Only 127.0.0.1 and the local resolver are touched.

    python bench/bench_offline.py [--accounts 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from _gen import make_db
from sqlmodel import select

from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def full_backlog() -> tuple[socket.socket, list[socket.socket], str]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    held = []
    for _ in range(2):
        c = socket.socket()
        c.settimeout(0.2)
        with contextlib.suppress(OSError):
            c.connect(("127.0.0.1", port))
        held.append(c)
    return srv, held, f"127.0.0.1:{port}"


def run(db: Path, home: Path, domain: str) -> tuple[float, float, int, str, int]:
    cfg = home / "config.yaml"
    cfg.write_text(f"geocoding:\n  domain: '{domain}'\n  scheme: http\n", encoding="utf-8")
    env = {**os.environ, "FIELDSALES_HOME": str(home)}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fieldsales", "--config", str(cfg), "--db", str(db), "geocode"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = max(usage.ru_maxrss, before)
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    return seconds, cpu, proc.returncode, last, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = home / "bench.db"
        make_db(db, args.accounts)
        with session_scope(open_engine(db)) as s:  # town precision: all are targets
            for acc in s.exec(select(Account)).all():
                acc.geo_precision = "town"
        print(f"{args.accounts:,} accounts, all located to a town; shipped retry settings")
        srv, held, queued = full_backlog()
        try:
            for what, domain in (
                ("closed port", f"127.0.0.1:{free_port()}"),
                ("unresolvable name", "no-such-host.invalid"),
                ("no answer to the connection", queued),
            ):
                seconds, cpu, code, last, peak = run(db, home, domain)
                print(
                    f"{what:28s} wall {seconds:5.2f} s  cpu {cpu:4.2f} s  exit {code}  "
                    f"peak RSS {peak / 1024:.0f} MiB"
                )
                print(f"    {last}")
        finally:
            for c in held:
                c.close()
            srv.close()


if __name__ == "__main__":
    main()
