"""Issue 19: `fieldsales rank` on an up-to-date database reads through the Core
tables (store/schema.py): the process never builds the SQLModel classes nor
loads the PostgreSQL dialect, and its output is the same as in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from tests.conftest import AccountFactory, CliRunner
from tests.speed.test_kept_fit import TODAY, _base

PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from fieldsales.cli import main
out = io.StringIO()
with redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = ["fieldsales.store.models", "sqlalchemy.dialects.postgresql"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules],
                  "out": out.getvalue()}))
"""


def test_a_ranking_never_builds_the_models(
    engine: Engine, add_account: AccountFactory, cli: CliRunner, db_path: Path, tmp_path: Path
) -> None:
    orders = _base(add_account, tmp_path)
    assert cli("--db", str(db_path), "import-orders", str(orders)).returncode == 0
    argv = ["--db", str(db_path), "rank", "--json", "--top", "5", "--date", str(TODAY)]
    first = cli(*argv)  # scores the accounts and fits the order model, both kept
    assert first.returncode == 0, first.stderr
    engine.dispose()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    probe = json.loads(run.stdout)
    assert probe["code"] == 0, run.stderr
    assert probe["loaded"] == []
    shown = json.loads(probe["out"])
    assert shown == json.loads(first.stdout)
    assert len(shown["accounts"]) == 5 and any(a["p_alive"] for a in shown["accounts"])
