"""Two real `fieldsales import` processes started at once never duplicate accounts.

The file has no external ids, so accounts are found again by company + address
(the match key): before issue 16 both processes read "not there" and both
inserted. Each round starts both at once: the first round on a new database
(both also create the schema), the later ones re-importing and adding rows.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import fieldsales

ROUNDS = 3
ROWS = 4000  # two write chunks each: without the lock, the processes interleave
SRC = str(Path(fieldsales.__file__).parents[1])  # the code under test, for the children


def _start(home: Path, db: Path, csv: Path) -> subprocess.Popen[str]:
    env = {
        "FIELDSALES_HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
        "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "fieldsales", "--db", str(db), "import", "--no-locate", str(csv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _write(path: Path, first: int, last: int) -> Path:
    lines = ["会社名,住所,累計取引額"]
    lines += [f"テスト商事{n},東京都港区芝{n}-1,{n * 1000}" for n in range(first, last)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_concurrent_imports_of_one_file_create_each_account_once(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    for round_ in range(ROUNDS):
        csv = _write(tmp_path / f"round{round_}.csv", 0, ROWS + 10 * round_)
        procs = [_start(tmp_path / f"home{i}", db, csv) for i in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        for code, out, err in results:
            assert code == 0, err
            assert "Traceback" not in out + err
        created = sorted(int(out.split(" created")[0].rsplit(" ", 1)[1]) for _, out, _ in results)
        # one process created the new rows; the other found them all there
        assert created == [0, ROWS if round_ == 0 else 10], results
        with sqlite3.connect(db) as conn:
            total, keys = conn.execute(
                "SELECT count(*), count(DISTINCT match_key) FROM account"
            ).fetchone()
        assert total == keys == ROWS + 10 * round_
