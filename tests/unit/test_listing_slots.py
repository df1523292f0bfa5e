"""A listing fills each column of a batch into its lines at once
(commands/listing_output: _slot for JSON, _csv_slot for CSV): each value's
text is what json.dumps or csv.writer writes for it, whatever the column
holds (floats with -0.0, NaN and infinities, None, ints, bools, text with
quotes, commas, line breaks, control characters and emoji)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fieldsales.commands.listing_output import _csv_slot, _CsvField, _encoder, _slot

TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(['引用"符', "a,b", "改行\nあり", "復帰\r", "\x00", "😀", "\\", " ", ""]),
)
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.5, 12.0, 1e16, 1e-5]),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.none(),
    TEXT,
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _csv(value: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow((value, ""))
    return out.getvalue()[:-2]


def _filled(code: str, values: list[Any] | None, n: int) -> list[str]:
    return [code] * n if values is None else [code % (v,) for v in values]


@given(st.one_of(st.lists(VALUES, max_size=30), st.lists(TEXT, max_size=30)))
def test_each_value_as_json_and_csv_write_it(values: list[Any]) -> None:
    code, texts = _slot(values, _encoder())
    assert _filled(code, texts, len(values)) == [_json(v) for v in values]
    code, texts = _csv_slot(values, _CsvField())
    assert _filled(code, texts, len(values)) == [_csv(v) for v in values]


@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()), max_size=30))
def test_float_columns(values: list[float | None]) -> None:
    code, texts = _slot(values, _encoder())
    assert _filled(code, texts, len(values)) == [_json(v) for v in values]
    code, texts = _csv_slot(values, _CsvField())
    assert _filled(code, texts, len(values)) == [_csv(v) for v in values]
