"""Issue 19: `fieldsales rank` on an up-to-date SQLite database reads it with
the standard library's sqlite3 (store/lite.py): the process never imports
SQLAlchemy, SQLModel nor alembic, and its output is byte for byte what the
SQLAlchemy path prints (forced here by leaving the plain path out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from tests.conftest import AccountFactory, CliRunner, _log
from tests.speed.test_kept_fit import TODAY, _base

PROBE = """
import io, json, os, sys
from contextlib import redirect_stdout
if os.environ.get("PROBE_FULL_PATH"):  # the SQLAlchemy path, for comparison
    import fieldsales.store.lite as lite
    lite.open_file = lambda db: None
from fieldsales.cli import main
out = io.StringIO()
with redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = ["fieldsales.store.models", "sqlalchemy", "sqlmodel", "alembic"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules],
                  "out": out.getvalue()}))
"""


def _probe(argv: list[str], full: bool = False) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "140"}
    if full:
        env["PROBE_FULL_PATH"] = "1"
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    probe: dict[str, Any] = json.loads(run.stdout)
    assert probe["code"] == 0, run.stderr
    return probe


def test_a_ranking_never_builds_the_models(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    orders = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(orders)).returncode == 0
    argv = ["--db", str(db_path), "rank", "--json", "--top", "5", "--date", str(TODAY)]
    first = cli(*argv)  # scores the accounts and fits the order model, both kept
    assert first.returncode == 0, first.stderr
    engine.dispose()

    probe = _probe(argv)
    assert probe["loaded"] == []
    shown = json.loads(probe["out"])
    assert shown == json.loads(first.stdout)
    assert len(shown["accounts"]) == 5 and any(a["p_alive"] for a in shown["accounts"])


def test_rank_on_sqlite_never_imports_sqlalchemy_and_prints_the_same(
    engine: Engine,
    settings: Settings,
    add_account: AccountFactory,
    cli: CliRunner,
    db_path: Path,
    tmp_path: Path,
) -> None:
    orders = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(orders)).returncode == 0
    ids = [
        a["id"] for a in json.loads(cli("--db", str(db_path), "rank", "--json").stdout)["accounts"]
    ]
    _log(engine, settings, ids[0], TODAY, result="appointment", channel="visit")
    _log(engine, settings, ids[1], TODAY, result="order", order_amount=40_000)
    _log(engine, settings, ids[2], TODAY, result="refused")
    # keeps the scores and the order model's fit for the orders logged
    assert cli("--db", str(db_path), "rank", "--json", "--top", "1").returncode == 0
    engine.dispose()
    day = ["--date", str(TODAY)]
    for args in (
        ["--json", "--top", "20"],
        ["--csv", "--top", "20"],
        ["--top", "20"],
        ["--json", "--top", "0", "--rank", "A,B,C"],
        ["--json", "--top", "5", "--prefecture", "東京都", "--within", "3"],
        # every account's churn signs: the whole order history, read with sqlite3
        ["--signals", "--top", "20"],
        ["--signals", "--json", "--top", "0"],
    ):
        argv = ["--db", str(db_path), "rank", *args, *day]
        plain, full = _probe(argv), _probe(argv, full=True)
        assert plain["loaded"] == [], args
        assert "sqlalchemy" in full["loaded"]
        assert plain["out"] == full["out"], args
        assert plain["out"].strip()
