"""Databases this version cannot use are named in one line and left as they were."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.issue16.conftest import Run, dump, one_line

READERS = [
    ["rank"],
    ["plan", "--date", "2026-12-01"],
    ["report", "--by", "rank"],
    ["rates"],
    ["export", "-o", "{tmp}/out.csv"],
    ["export-log", "-o", "{tmp}/out.jsonl"],
    [],  # the app
]
WRITERS = [
    ["log", "C00001", "--channel", "phone", "--result", "contacted"],
    ["import", "{tmp}/none.csv"],
    ["geocode", "--limit", "1"],
]


def _args(cmd: list[str], tmp: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp)) for a in cmd]


def _sql(db: Path, *statements: str) -> None:
    con = sqlite3.connect(db)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


@pytest.mark.parametrize("cmd", READERS + WRITERS, ids=lambda c: " ".join(c[:1]) or "app")
def test_a_database_from_a_newer_version(
    cmd: list[str], tmp_path: Path, team_db: Path, run: Run
) -> None:
    _sql(team_db, "UPDATE alembic_version SET version_num = '0099'")
    before = dump(team_db)
    code, _out, err = run("--db", str(team_db), *_args(cmd, tmp_path))
    assert code != 0
    line = one_line(err)
    assert str(team_db) in line and "made by a newer fieldsales" in line and "upgrade" in line
    assert dump(team_db) == before
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    "damage",
    ["DROP TABLE outcome", "ALTER TABLE account DROP COLUMN phone", "DELETE FROM alembic_version"],
)
def test_a_damaged_database(damage: str, team_db: Path, run: Run) -> None:
    _sql(team_db, "DROP INDEX IF EXISTS ix_account_phone", damage)
    before = dump(team_db)
    code, _out, err = run("--db", str(team_db), "rank")
    assert code != 0
    assert "not a fieldsales database, or damaged" in one_line(err)
    assert dump(team_db) == before


def test_another_programs_database_is_not_written_into(tmp_path: Path, run: Run) -> None:
    other = tmp_path / "other.sqlite"
    _sql(other, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
         "INSERT INTO notes (body) VALUES ('mine')")  # fmt: skip
    before = dump(other)
    for cmd in (["rank"], ["log", "X", "--channel", "phone", "--result", "contacted"]):
        code, _out, err = run("--db", str(other), *cmd)
        assert code != 0
        assert "not a fieldsales database, or damaged" in one_line(err)
    assert dump(other) == before  # no alembic_version table added


def test_a_file_that_is_not_a_database(tmp_path: Path, run: Run) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not SQLite" * 100)
    data = junk.read_bytes()
    code, _out, err = run("--db", str(junk), "rank")
    assert code != 0
    assert "not a fieldsales database, or damaged" in one_line(err)
    assert junk.read_bytes() == data


@pytest.mark.parametrize("cmd", READERS, ids=lambda c: " ".join(c[:1]) or "app")
def test_a_mistyped_db_path_for_a_reading_command(cmd: list[str], tmp_path: Path, run: Run) -> None:
    typo = tmp_path / "tema" / "team.db"
    code, _out, err = run("--db", str(typo), *_args(cmd, tmp_path))
    assert code != 0
    line = one_line(err)
    assert str(typo) in line and "no such database" in line
    assert not typo.parent.exists()


def test_writing_commands_still_create_the_database(tmp_path: Path, run: Run) -> None:
    db = tmp_path / "new" / "team.db"
    _code, _out, err = run(
        "--db", str(db), "log", "X", "--channel", "phone", "--result", "contacted"
    )
    assert "Traceback" not in err
    assert db.exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:s3cret@[::1/x",
        "notadriver://",
        "sqlite://u:s3cret@/x",
        "mysql+nosuchdriver://u:s3cret@host/db",
    ],
)
def test_a_malformed_db_url(url: str, run: Run) -> None:
    for cmd in (["rank"], ["log", "X", "--channel", "phone", "--result", "contacted"]):
        code, _out, err = run("--db", url, *cmd)
        assert code != 0
        line = one_line(err)
        assert "s3cret" not in line
        assert "URL" in line or "database kind" in line or "driver" in line


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://sato:s3cret@127.0.0.1:1/team",
        "postgresql://sato@127.0.0.1:1/team?password=s3cret",
    ],
)
def test_passwords_are_masked_wherever_a_url_is_shown(url: str, run: Run) -> None:
    code, out, err = run("--db", url, "config", "path")
    assert code == 0
    assert "s3cret" not in out and "***" in out
    code, out, err = run("--db", url, "rank")
    assert code != 0
    assert "s3cret" not in out + err
    one_line(err)


def test_a_locked_database_waits_then_says_so(team_db: Path, tmp_path: Path, run: Run) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sqlite3, sys, time
            con = sqlite3.connect({str(team_db)!r}, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE account SET notes = notes")
            print("holding", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        account = (
            sqlite3.connect(f"file:{team_db}?mode=ro", uri=True)
            .execute("SELECT external_id FROM account LIMIT 1")
            .fetchone()[0]
        )
        code, _out, err = run("--db", str(team_db), "log", account, "--channel", "phone",
                              "--result", "contacted")  # fmt: skip
    finally:
        holder.communicate("")
    assert code == 1
    line = one_line(err)
    assert "locked" in line and str(team_db) in line
    code, _out, err = run("--db", str(team_db), "log", account, "--channel", "phone",
                          "--result", "contacted")  # fmt: skip
    assert code == 0, err  # the lock gone, the same command works
