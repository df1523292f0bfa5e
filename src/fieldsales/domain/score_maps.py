"""The two ways a raw fact becomes a score 1-10 (docs/method.md#score-and-ranks), vectorised:
a numeric value through thresholds (`Steps`), a category through a map.

Pure numpy; the thresholds and maps come from config.yaml (`scoring`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fieldsales.config import Steps

FloatArray = npt.NDArray[np.float64]


def floats(values: Sequence[Any] | FloatArray) -> FloatArray:
    """A column as floats, None -> NaN (a float array is returned as it is)."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _steps_arrays(steps: Steps) -> tuple[FloatArray, FloatArray, str]:
    if steps.at_least is not None:
        pairs, kind = sorted(steps.at_least), "at_least"
    elif steps.below is not None:
        pairs, kind = sorted(steps.below), "below"
    else:
        pairs, kind = [], "below"
    thr = np.array([t for t, _ in pairs], dtype=float)
    sc = np.array([v for _, v in pairs], dtype=float)
    return thr, sc, kind


def step_scores(values: FloatArray, steps: Steps) -> FloatArray:
    """Vectorised step map; NaN in, NaN out (the caller decides what unknown means).

    `at_least`: score of the highest threshold the value reaches;
    `below`: score of the first (lowest) threshold the value is under.
    """
    thr, sc, kind = _steps_arrays(steps)
    out = np.full(values.shape, float(steps.otherwise))
    if len(thr):
        if kind == "at_least":
            idx = np.searchsorted(thr, values, side="right") - 1
            hit = idx >= 0
            out[hit] = sc[idx[hit]]
        else:
            idx = np.searchsorted(thr, values, side="right")
            hit = idx < len(thr)
            out[hit] = sc[idx[hit]]
    out[np.isnan(values)] = np.nan
    return out


def step_score(value: float, steps: Steps) -> int:
    return int(step_scores(np.array([value], dtype=float), steps)[0])


def category_score(value: str | None, mapping: Mapping[str, int]) -> int:
    key = value or "unknown"
    if key in mapping:
        return mapping[key]
    return mapping.get("unknown", min(mapping.values()))


def category_scores(values: Sequence[str | None], mapping: Mapping[str, int]) -> FloatArray:
    fallback = mapping.get("unknown", min(mapping.values()))
    get = mapping.get
    return np.array([get(v or "unknown", fallback) for v in values], dtype=float)
