"""The listing writes each distinct float of a column once
(commands/listing_output.float_texts): every value's text is still what json
or csv writes for it (-0.0 apart from 0.0, NaN and infinities in each one's
spelling, None as null or empty)."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given
from hypothesis import strategies as st

from fieldsales.commands.listing_output import (
    _csv_slot,
    _CsvField,
    _slot,
    float_texts,
    float_texts_many,
)

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.5, 12.0, 0.1, 1e16, 1e-5]),  # repeats and signs
    st.none(),
)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _csv(value: object) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow((value, ""))
    return out.getvalue()[:-2]


@given(st.lists(VALUES, max_size=60))
def test_each_value_as_json_and_csv_write_it(values: list[float | None]) -> None:
    got = float_texts(values, "null", _json)
    nan_among_none = None in values and any(v is not None and v != v for v in values)
    if nan_among_none:
        assert got is None  # value by value instead
    else:
        assert got == [_json(v) for v in values]
        assert float_texts(values, "", float.__repr__) == [_csv(v) for v in values]
    # and through the slots the lines are filled from, either way
    code, texts = _slot(values, _json)
    line = [code % t if texts is not None else code for t in (texts or [None] * len(values))]
    assert line == [_json(v) for v in values]
    code, texts = _csv_slot(values, _CsvField())
    line = [code % t if texts is not None else code for t in (texts or [None] * len(values))]
    assert line == [_csv(v) for v in values]


@given(st.lists(st.lists(VALUES, max_size=20), max_size=5))
def test_columns_at_once_as_each_alone(columns: list[list[float | None]]) -> None:
    """Several columns share one set of distinct values: a None of one column
    is not a NaN of another, and each column is written as it is alone."""
    got = float_texts_many(columns, "null", _json)
    assert got == [float_texts(c, "null", _json) for c in columns]
    for column, texts in zip(columns, got, strict=True):
        if texts is not None:
            assert texts == [_json(v) for v in column]
