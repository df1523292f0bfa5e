"""Passwords: taken from the environment or ~/.pgpass, never from config.yaml or an
argument, never printed (URLs masked in every message, connection errors included)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from fieldsales.store.team.roles import init_team

from .team_helpers import as_role, local_db

SECRET = "Pw-7f3kQ-zz"


@pytest.fixture
def scram_role(pg_url: str) -> Iterator[Callable[[str], None]]:
    """Make the test server ask these roles for a password (SCRAM), as a real one does."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(row[0])
        original = hba.read_text()
        added: list[str] = []

        def ask(role: str) -> None:
            added.append(f"host all {role} 127.0.0.1/32 scram-sha-256\n")
            hba.write_text("".join(added) + original)
            conn.execute("SELECT pg_reload_conf()")

        yield ask
        hba.write_text(original)
        conn.execute("SELECT pg_reload_conf()")


def test_add_rep_takes_the_password_from_the_environment_and_sync_logs_in_with_pgpassword(
    pg_url: str,
    tmp_path: Path,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    scram_role: Callable[[str], None],
) -> None:
    init_team(pg_url, reps_see_unassigned=False)
    name = f"rep_{tmp_path.name[-8:].lower().replace('-', '_')}"
    name = "r" + "".join(c for c in name if c.isalnum() or c == "_")[-20:]
    monkeypatch.setenv("FIELDSALES_NEW_PASSWORD", SECRET)
    outputs = []
    r = cli("--db", pg_url, "team", "add-rep", name)
    outputs.append(r)
    assert r.returncode == 0, r.stderr
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,)
        ).fetchone()
    assert row is not None and row[0].startswith("SCRAM-SHA-256$4096:") and SECRET not in row[0]
    scram_role(name)
    monkeypatch.delenv("FIELDSALES_NEW_PASSWORD")
    remote = as_role(pg_url, name)
    db = local_db(tmp_path, "rep")
    # no password: refused by the server, one line
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    r = cli("--db", str(db), "sync", "--remote", remote)
    outputs.append(r)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    # a wrong password in the URL, then as a query parameter: refused, never shown
    host_part = remote.split("://", 1)[1]
    for url in (
        f"postgresql://{name}:wrong-{SECRET}@{host_part.split('@', 1)[1]}",
        f"{remote}?password=wrong-{SECRET}",
    ):
        r = cli("--db", str(db), "sync", "--remote", url)
        outputs.append(r)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert "***" in r.stderr
    # the right one from PGPASSWORD
    monkeypatch.setenv("PGPASSWORD", SECRET)
    r = cli("--db", str(db), "sync", "--remote", remote)
    outputs.append(r)
    assert r.returncode == 0, r.stderr
    assert "pushed 0, pulled 0, conflicts 0" in r.stdout
    # and from ~/.pgpass (libpq's own rules: the file must be private)
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    host, port = host_part.split("@", 1)[1].split("/", 1)[0].split(":")
    pgpass.write_text(f"{host}:{port}:*:{name}:{SECRET}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    r = cli("--db", str(db), "sync", "--remote", remote)
    outputs.append(r)
    assert r.returncode == 0, r.stderr
    for r in outputs:
        assert SECRET not in r.stdout + r.stderr


def test_a_password_in_the_config_file_is_refused_and_not_echoed(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    config = tmp_path / "c.yaml"
    for text in (
        f"database:\n  url: postgresql://sato:{SECRET}@db/fs\n",
        f"team:\n  remote: postgresql://sato@db/fs?sslmode=require&password={SECRET}\n",
    ):
        config.write_text(text)
        r = cli("--config", str(config), "rank")
        assert r.returncode == 2
        assert "a password does not belong in the config file" in r.stderr
        assert "PGPASSWORD" in r.stderr and SECRET not in r.stdout + r.stderr


def test_a_password_is_never_an_argument(cli: Callable[..., Any]) -> None:
    r = cli("team", "add-rep", "sato", "--password", SECRET)
    assert r.returncode == 2 and "unrecognized arguments" in r.stderr


def test_connection_errors_mask_every_password(tmp_path: Path, cli: Callable[..., Any]) -> None:
    for url in (
        f"postgresql://sato:{SECRET}@127.0.0.1:1/fs",
        f"postgresql://sato@127.0.0.1:1/fs?password={SECRET}",
        f"postgresql://sato@127.0.0.1:1/fs?bogus=1&password={SECRET}",
    ):
        for args in (
            ("--db", url, "rank"),
            ("--db", url, "team", "init"),
            ("--db", url, "assign", "x", "--to", "y"),
        ):
            r = cli(*args)
            assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
            assert SECRET not in r.stdout + r.stderr and "***" in r.stderr
        r = cli("--db", str(tmp_path / "l.db"), "sync", "--remote", url)
        assert r.returncode == 1 and SECRET not in r.stdout + r.stderr and "***" in r.stderr


def test_the_database_url_from_the_environment_and_the_config(
    pg_url: str, tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: {pg_url}\n")
    r = cli("--config", str(config), "rank", "--json")
    assert r.returncode == 0, r.stderr
    with psycopg.connect(pg_url) as conn:  # the config's database was opened and migrated
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    # the environment wins over the config, --db over both
    monkeypatch.setenv("FIELDSALES_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/env")
    r = cli("--config", str(config), "rank")
    assert r.returncode == 1 and "127.0.0.1:1/env" in r.stderr
    r = cli("--config", str(config), "--db", pg_url, "rank", "--json")
    assert r.returncode == 0, r.stderr
