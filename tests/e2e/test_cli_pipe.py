"""`fieldsales ... | head`: the reader leaves early; the user sees no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_rank_json_into_a_closed_pipe_gives_no_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"FIELDSALES_HOME": str(home), "PATH": "/usr/bin:/bin"}
    built = subprocess.run(
        [sys.executable, "-m", "fieldsales", "demo", "--no-tui"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    # `fieldsales rank --json | head -3`: the reader goes away after a few lines.
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldsales", "--db", built.stdout.strip(), "rank", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
