"""score_cache.encode (built as one byte array) gives the texts of its
definition, score by score: the fingerprint, ':', `a` + each whole score 0-10
or `-` for NaN; None for a row holding anything else (a fraction, a score out
of range, an infinity)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fieldsales.domain import score_cache

FP = "0123abcd"


def reference(matrix: np.ndarray, fp: str) -> list[str | None]:
    """The definition, one score at a time."""
    out: list[str | None] = []
    for row in matrix.tolist():
        chars = []
        for v in row:
            if math.isnan(v):
                chars.append("-")
            elif float(v).is_integer() and 0 <= v <= 10:
                chars.append(chr(ord("a") + int(v)))
            else:
                out.append(None)
                break
        else:
            out.append(f"{fp}:{''.join(chars)}")
    return out


scores = st.one_of(
    st.integers(0, 10).map(float),
    st.just(math.nan),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, -1.0, 11.0, 10.5, 0.25, math.inf, -math.inf, 1e300]),
)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0), elements=scores)
)
def test_texts_are_those_of_the_definition(matrix: np.ndarray) -> None:
    assert score_cache.encode(matrix, FP) == reference(matrix, FP)


def test_a_text_decodes_to_its_scores() -> None:
    m = np.array([[0.0, 10.0, math.nan, 7.0], [1.0, 2.5, 3.0, 4.0], [-0.0, 5.0, 5.0, 5.0]])
    texts = score_cache.encode(m, FP)
    assert texts == [f"{FP}:ak-h", None, f"{FP}:afff"]
    scores, stale = score_cache.decode(texts, FP, 4)
    assert stale.tolist() == [False, True, False]
    np.testing.assert_array_equal(scores[0], m[0])
    np.testing.assert_array_equal(scores[2], [0.0, 5.0, 5.0, 5.0])
