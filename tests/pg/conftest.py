"""A real PostgreSQL 15 server on 127.0.0.1 for the team tests.

Started once per session (once per worker under pytest-xdist; `scripts/check` keeps
these tests on one worker with --dist loadgroup) as the non-root `postgres` user
(the server refuses root), in a temporary directory, on a free port. Skipped with a clear reason
where the binaries or the user are missing.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return list(cmd)


@contextlib.contextmanager
def _server() -> Iterator[tuple[str, Callable[[], None]]]:
    """Start a throwaway PostgreSQL server: its base URL (no database), and a function
    that stops it (at the end it is stopped anyway)."""
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg (the test extra)")
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not on PATH")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to start the server")
    root = Path(tempfile.mkdtemp(prefix="fieldsales-pg-"))
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        for p in (root, data, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    subprocess.run(
        _as_postgres("initdb", "-D", str(data), "-U", "fieldsales", "--auth=trust", "-E", "UTF8",
                     "--locale=C"),
        check=True, capture_output=True,
    )  # fmt: skip
    # Parallel workers (pytest -n) each start a server of their own: its own directory,
    # socket directory and port. A port taken between _free_port() and the start is
    # tried again with another.
    for attempt in range(3):
        port = _free_port()
        started = subprocess.run(
            _as_postgres(
                "pg_ctl", "-D", str(data), "-w", "-l", str(root / "log"), "-o",
                f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ),
            capture_output=True,
        )  # fmt: skip
        if started.returncode == 0:
            break
        if attempt == 2:
            log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr!r}\n{log}")

    def stop() -> None:
        subprocess.run(
            _as_postgres("pg_ctl", "-D", str(data), "-m", "immediate", "stop"),
            capture_output=True,
        )

    try:
        yield f"postgresql://fieldsales@127.0.0.1:{port}", stop
    finally:
        stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Base URL (no database) of a running throwaway PostgreSQL server."""
    with _server() as (url, _):
        yield url


@pytest.fixture
def own_pg_server() -> Iterator[tuple[str, Callable[[], None]]]:
    """A server of the test's own, which it may stop (`stop()`): the base URL and stop."""
    with _server() as started:
        yield started


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the test server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{pg_server}/{name}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With --dist loadgroup, every PostgreSQL test runs on one worker: one server."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("postgres"))
