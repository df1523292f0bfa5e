"""End-to-end helpers: `fieldsales` in-process, and the real command in a child process
where a real process is the point (pipes, kills, start-up, the real stdout)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Runner = Callable[..., subprocess.CompletedProcess[str]]


def run_fieldsales(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m fieldsales ARGS` with its own home, a wide terminal and no inherited env."""
    return subprocess.run(
        [sys.executable, "-m", "fieldsales", *args],
        capture_output=True,
        text=True,
        env={"FIELDSALES_HOME": str(home), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        timeout=120,
    )


@pytest.fixture
def fieldsales_process() -> Runner:
    return run_fieldsales


@pytest.fixture
def fieldsales(cli: Callable[..., Any]) -> Callable[..., Any]:
    """`fieldsales(home, *args)` in this process: returncode, stdout, stderr."""

    def run(home: Path, *args: str) -> Any:
        return cli(*args, home=home)

    return run
