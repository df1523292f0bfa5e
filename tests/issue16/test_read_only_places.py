"""Read-only databases and folders: one line, and nothing changed.

Tests run as root, which permissions do not stop; the immutable attribute
(chattr +i) stops root too, so it stands in for a read-only file or folder.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.issue16.conftest import Run, dump, one_line


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    if not shutil.which("chattr"):
        pytest.skip("chattr is not available")
    done: list[Path] = []
    try:
        for p in paths:
            if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode:
                pytest.skip("cannot make a file immutable here")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)


def fold_wal(db: Path) -> None:
    """The database with its WAL folded in: one file, nothing beside it."""
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


@pytest.fixture
def quiet_db(team_db: Path) -> Path:
    fold_wal(team_db)
    return team_db


def _account(db: Path) -> str:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(con.execute("SELECT external_id FROM account LIMIT 1").fetchone()[0])
    finally:
        con.close()


LOG = ["--channel", "phone", "--result", "contacted"]


def test_a_read_only_database_file(quiet_db: Path, run: Run) -> None:
    account = _account(quiet_db)
    before = dump(quiet_db)
    with read_only(quiet_db):
        code, _out, err = run("--db", str(quiet_db), "log", account, *LOG)
        assert code == 1
        line = one_line(err)
        assert str(quiet_db) in line and "cannot write the database" in line
        code, _out, err = run("--db", str(quiet_db), "rank", "--top", "3")
        assert code == 0, err  # reading a read-only file is fine
    assert dump(quiet_db) == before


def test_a_read_only_database_folder(quiet_db: Path, run: Run) -> None:
    account = _account(quiet_db)
    before = dump(quiet_db)
    fold_wal(quiet_db)  # reading made -wal and -shm files, which would stay writable
    with read_only(quiet_db.parent):
        code, _out, err = run("--db", str(quiet_db), "log", account, *LOG)
        assert code == 1
        line = one_line(err)
        assert str(quiet_db) in line and "folder" in line
        code, _out, err = run("--db", str(quiet_db), "rank")
        assert code == 0 or str(quiet_db) in one_line(err)  # reading may work; never a traceback
    assert dump(quiet_db) == before


def test_exports_into_a_read_only_folder(tmp_path: Path, team_db: Path, run: Run) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = dump(team_db)
    with read_only(out):
        code, _out, err = run("--db", str(team_db), "export", "-o", str(out / "a.csv"))
        assert code == 1
        assert str(out / "a.csv") in one_line(err)
        code, _out, err = run("--db", str(team_db), "plan", "--date", "2026-12-01", "--save",
                              "--export", str(out))  # fmt: skip
        assert code == 1
        assert "plan --export" in one_line(err)
        code, _out, err = run("--db", str(team_db), "report", "--by", "rank", "-o",
                              str(out / "r.csv"))  # fmt: skip
        assert code == 1
        one_line(err)
    assert list(out.iterdir()) == []
    assert dump(team_db) == before


def test_config_init_into_a_read_only_folder(isolated_home: Path, run: Run) -> None:
    isolated_home.mkdir(parents=True)
    with read_only(isolated_home):
        code, _out, err = run("config", "init")
        assert code == 1
        assert "config" in one_line(err)


def test_rejects_into_a_read_only_folder(tmp_path: Path, team_db: Path, run: Run) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    csv = folder / "bad.csv"
    csv.write_text("company,address,lifetime_revenue\nA社,東京都千代田区丸の内1-1,abc\n"
                   "B社,東京都千代田区丸の内2-1,1000\n", encoding="utf-8")  # fmt: skip
    before = dump(team_db)
    with read_only(folder):
        code, _out, err = run("--db", str(team_db), "import", str(csv), "--skip-invalid")
    assert code == 1
    assert "bad.rejects.csv" in one_line(err)
    assert dump(team_db) == before
