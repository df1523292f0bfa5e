"""Run-time guards for the imports the layer contracts cannot see.

The import-linter contracts in pyproject.toml read the static graph: they cannot
tell a module-level import from one deferred into the function that needs it.
These tests start a clean interpreter and look at `sys.modules`, the only way to
prove that a deferral defers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# What `fieldsales --help` must not pay for: the database layer, the settings layer
# (pydantic), the app, and the numeric stack. Together they were ~0.8 s of 1.2 s.
HELP_FORBIDDEN = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic",
    "textual",
    "numpy",
    "fieldsales.config",
    "fieldsales.store",
    "fieldsales.tui",
)


def _loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    """Run `code` in a fresh interpreter; which of `watched` it imported."""
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    last_line = proc.stdout.rstrip("\n").rpartition("\n")[2]
    return [m for m in last_line.split(",") if m]


@pytest.mark.parametrize("argv", [["--help"], ["rank", "--help"], ["--version"]])
def test_help_imports_neither_the_database_nor_the_settings(argv: list[str]) -> None:
    code = (
        "import contextlib, io\n"
        "from fieldsales.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})\n"
    )
    leaked = _loaded_after(code, HELP_FORBIDDEN)
    assert not leaked, f"`fieldsales {' '.join(argv)}` imported {leaked}"


def test_the_console_script_help_is_light() -> None:
    """The same through `python -m fieldsales`, the way a user starts it."""
    code = (
        "import runpy, sys, contextlib, io\n"
        "sys.argv = ['fieldsales', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    runpy.run_module('fieldsales', run_name='__main__')\n"
    )
    leaked = _loaded_after(code, HELP_FORBIDDEN)
    assert not leaked, f"`python -m fieldsales --help` imported {leaked}"


def test_domain_store_and_services_do_not_import_the_ui() -> None:
    code = (
        "import fieldsales.domain.scoring, fieldsales.domain.dormancy, fieldsales.domain.contact\n"
        "import fieldsales.store.db, fieldsales.store.queries, fieldsales.services.rank\n"
    )
    assert _loaded_after(code, ("textual", "fieldsales.tui")) == []


def test_every_domain_module_is_pure() -> None:
    code = (
        "import pkgutil, importlib, fieldsales.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module('fieldsales.domain.' + m.name)\n"
    )
    forbidden = ("textual", "sqlmodel", "sqlalchemy", "geopy", "requests", "httpx")
    assert _loaded_after(code, forbidden) == []


def test_a_probe_sees_what_is_imported() -> None:
    """The guard itself can fail: an import it watches for is reported."""
    assert _loaded_after("import fieldsales.store.db", HELP_FORBIDDEN) != []
