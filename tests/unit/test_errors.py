"""One user-error type: a title and one line, importable without the heavy layers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fieldsales.config import ConfigError
from fieldsales.domain.scripts import ScriptsError
from fieldsales.errors import UserError
from fieldsales.planning.day_model import PlanError
from fieldsales.services.outcome_form import OutcomeError
from fieldsales.services.rank import OriginError
from fieldsales.services.route_report import ReportError
from fieldsales.store.csvio import CsvError
from fieldsales.store.db import StoreError
from fieldsales.store.logio import LogFileError


def test_errors_module_is_light() -> None:
    code = (
        "import sys, fieldsales.errors; "
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'fieldsales.config', "
        "'fieldsales.store.db', 'textual') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""


@pytest.mark.parametrize(
    "cls",
    [
        ConfigError,
        StoreError,
        LogFileError,
        PlanError,
        ReportError,
        OutcomeError,
        OriginError,
        CsvError,
        ScriptsError,
    ],
)
def test_user_facing_errors_share_one_type(cls: type[Exception]) -> None:
    exc = cls("x.db: something went wrong\nsecond line")
    assert isinstance(exc, UserError)
    title, line = exc.show()
    assert title and title != "Error"
    assert line == "x.db: something went wrong"
    assert str(exc) == "x.db: something went wrong\nsecond line"  # messages kept whole


def test_value_errors_stay_value_errors() -> None:
    # callers that catch ValueError (the outcome form, the plan editor) still do
    assert issubclass(PlanError, ValueError)
    assert issubclass(OutcomeError, ValueError)
