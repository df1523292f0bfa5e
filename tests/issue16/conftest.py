"""Helpers for the "nothing lost, nothing leaked, no traceback" cases (issue 16)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldsales.cli import main


def dump(path: Path) -> str:
    """The whole database as SQL text: equal dumps mean an unchanged database."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """`fieldsales ARGS...` in-process: (exit code, stdout, stderr)."""

    def call(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def one_line(err: str) -> str:
    """The single line the error gave (no traceback, nothing else)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 accounts of the bundled sample, imported once per session."""
    import os

    from fieldsales import locations

    root = tmp_path_factory.mktemp("template")
    lines = locations.bundled_file("sample_accounts.csv").read_text(encoding="utf-8-sig")
    sample = root / "sample.csv"
    sample.write_text("\n".join(lines.splitlines()[:31]) + "\n", encoding="utf-8")
    db = root / "template.db"
    old = os.environ.get("FIELDSALES_HOME")
    os.environ["FIELDSALES_HOME"] = str(root / "home")
    try:
        assert main(["--db", str(db), "import", str(sample)]) == 0
    finally:
        if old is None:
            os.environ.pop("FIELDSALES_HOME", None)
        else:
            os.environ["FIELDSALES_HOME"] = old
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db


@pytest.fixture
def team_db(tmp_path: Path, _template_db: Path) -> Path:
    """A real SQLite database with 30 accounts, private to this test."""
    import shutil

    db = tmp_path / "team.db"
    shutil.copyfile(_template_db, db)
    return db
