"""The planning package's pure modules stay free of the database and the UI."""

from __future__ import annotations

import subprocess
import sys

PURE = ("day_model", "schedule", "check", "engines", "improve", "solve", "workdays", "worker")


def test_pure_planning_modules_import_neither_the_database_nor_the_ui() -> None:
    code = (
        "import sys, importlib\n"
        f"for name in {PURE!r}:\n"
        "    importlib.import_module('fieldsales.planning.' + name)\n"
        "bad = [m for m in ('textual', 'sqlmodel', 'sqlalchemy', 'fieldsales.store',"
        " 'fieldsales.tui', 'fieldsales.services') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_old_planning_names_are_gone() -> None:
    import importlib.util

    old = [
        "fieldsales.domain.routing",
        "fieldsales.domain.solver",
        "fieldsales.domain.optimise",
        "fieldsales.domain.plancheck",
        "fieldsales.services.planning",
        "fieldsales.services.planning_model",
        "fieldsales.services.planning_edit",
        "fieldsales.services.planning_reopen",
        "fieldsales.services.planning_store",
        "fieldsales.services.solver_worker",
        "fieldsales.services.call_list",
    ]
    assert [m for m in old if importlib.util.find_spec(m) is not None] == []
