"""The listing rounds a batch of numbers at once (domain/rounding.round_many):
each value exactly as round(v, digits) gives it, NaN as None."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fieldsales.domain.rounding import round_many

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1000, max_value=1000),
    # decimals just at a half of the last digit kept (2.675, 0.125, ...)
    st.integers(-(10**6), 10**6).map(lambda k: (k + 0.5) / 1000),
    st.integers(-(10**6), 10**6).map(lambda k: (k + 0.5) / 100),
)


@given(st.lists(NUMBERS, max_size=60), st.sampled_from([None, 1, 2, 3]))
def test_batch_rounding_equals_round(values: list[float], digits: int | None) -> None:
    if digits is None:  # round(inf) has no int: the caller never asks it
        values = [v for v in values if v != v or abs(v) != float("inf")]
    got = round_many(np.array(values, dtype=float), digits)
    want = [None if v != v else round(v, digits) for v in values]
    assert [repr(v) for v in got] == [repr(v) for v in want]  # -0.0 and 0.0 apart
