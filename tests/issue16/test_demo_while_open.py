"""`fieldsales demo` while the app has the demo database open: refused, nothing pulled away."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fieldsales import locations
from tests.issue16.conftest import Run, dump, one_line

SRC = Path(__file__).resolve().parents[2] / "src"


def test_demo_refuses_while_another_process_has_it_open(isolated_home: Path, run: Run) -> None:
    code, out, err = run("demo", "--no-tui")
    assert code == 0, err
    path = locations.demo_db_file()
    assert out.strip() == str(path)
    assert not list(path.parent.glob("*.building*"))
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            import sqlalchemy as sa
            from fieldsales.store.db import open_engine
            engine = open_engine({str(path)!r}, create=False)  # as the app holds it
            with engine.connect() as conn:
                n = conn.execute(sa.text("SELECT count(*) FROM account")).scalar()
            print(n, flush=True)
            sys.stdin.readline()
            with engine.connect() as conn:  # still readable after the refused demo
                print(conn.execute(sa.text("SELECT count(*) FROM account")).scalar(), flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        count = holder.stdout.readline().strip()
        assert count == "500"
        inode = path.stat().st_ino
        before = dump(path)
        code, _out, err = run("demo", "--no-tui")
        assert code == 1
        line = one_line(err)
        assert str(path) in line and "open in another fieldsales" in line
        assert path.stat().st_ino == inode  # the same file, not replaced or deleted
        assert dump(path) == before
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "500"
    finally:
        holder.communicate("")
    code, _out, err = run("demo", "--no-tui")  # the app closed: a fresh demo replaces it
    assert code == 0, err
    assert path.stat().st_ino != inode
    assert not list(path.parent.glob("*.building*"))
