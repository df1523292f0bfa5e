"""The measured programs run from compiled bytecode, as an installed fieldsales does.

pip compiles a package's modules when it installs it, and Python writes the
__pycache__ of a checkout's modules on their first import; a user's
fieldsales never compiles its sources as it starts. A machine with
PYTHONDONTWRITEBYTECODE set (this sandbox sets it) would compile every
module of the checkout at every run (0.1-0.2 s of a start-up) while the
libraries, compiled when installed, do not: the benchmarks compile the
checkout's sources once first (Python reads bytecode whatever that variable
says), so neither side pays it.
"""

from __future__ import annotations

import compileall
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def compile_sources() -> None:
    """Write the __pycache__ of every module under src/ that lacks a current one."""
    compileall.compile_dir(SRC, quiet=1)
