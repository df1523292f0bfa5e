"""End-to-end helpers: the real `fieldsales` command in a child process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

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
def fieldsales() -> Runner:
    return run_fieldsales
