"""A broken CSV row in an outcome file is named, and the file is refused whole."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from fieldsales.store.csvio import CsvError
from fieldsales.store.models import Outcome
from fieldsales.store.outcome_io import import_outcomes


def test_an_unterminated_quote_is_a_row_error_and_nothing_is_written(engine, add_account, tmp_path):
    add_account(external_id="T1")
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "external_id,channel,result,occurred_at,notes\n"
        "T1,phone,no_answer,2026-11-02,first\n"
        'T1,phone,no_answer,2026-11-03,"never closed\n'
        "T1,visit,interested,2026-11-04,third\n",
        encoding="utf-8",
    )
    with pytest.raises(CsvError) as err:
        import_outcomes(
            engine, path, max_line_bytes=65536, default_rep="山田", today=date(2026, 11, 20)
        )
    assert "row 3" in str(err.value)
    with Session(engine) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar_one() == 0
