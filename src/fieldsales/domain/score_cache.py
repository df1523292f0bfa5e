"""The scores kept with each account: those of the criteria that read only the
account's own columns (criteria.cached()), so that a ranking computes only
what depends on the day and the reference point.

Each account keeps one short text: the fingerprint of what the scores were
computed with (the cached criteria and their maps or thresholds in the
config), then one character per criterion (`a` + score, `-` for not
scorable). A text with another fingerprint, or none (the store clears it when
an account's fields change), is stale: the ranking scores that account from
its columns and keeps the result. Weights are applied at ranking time, so a
change of weights needs no refresh; a change of a map or threshold changes the
fingerprint and every account is refreshed once.

Pure: numpy only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain.criteria import Criterion
from fieldsales.domain.score_maps import FloatArray

if TYPE_CHECKING:
    from fieldsales.config import Scoring

FINGERPRINT_WIDTH = 8
_ZERO = ord("a")  # score s is the character chr(_ZERO + s), 0 <= s <= 10
_MISSING = "-"  # not scorable (NaN)
_MAX_SCORE = 10


def fingerprint(cfg: Scoring, chosen: Sequence[Criterion]) -> str:
    """What the cached scores depend on: the criteria and their config, hashed."""

    def plain(value: Any) -> Any:
        return value.model_dump() if hasattr(value, "model_dump") else value

    parts = [(c.id, c.reads, plain(getattr(cfg, c.config_key, None))) for c in chosen]
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()[:FINGERPRINT_WIDTH]


def width(chosen: Sequence[Criterion]) -> int:
    return FINGERPRINT_WIDTH + 1 + len(chosen)


def encode(matrix: FloatArray, fp: str) -> list[str | None]:
    """One text per row of (n, k) scores; None where a score is not a whole
    number 0-10 (such a row is scored afresh at each ranking).

    Built as one byte array (fingerprint, ':', a character per score) cut into
    texts: no Python step per score (tests/unit/test_score_texts.py holds it
    to the character by character definition)."""
    m = np.asarray(matrix, dtype=float)
    n = m.shape[0]
    k = m.shape[1] if m.ndim == 2 else 0
    head = f"{fp}:".encode("ascii")
    w = len(head) + k
    missing = np.isnan(m)
    with np.errstate(invalid="ignore"):
        whole = (m == np.floor(m)) & (m >= 0) & (m <= _MAX_SCORE)
    fits = (missing | whole).all(axis=1) if k else np.ones(n, dtype=bool)
    cells = np.empty((n, w), dtype=np.uint8)
    cells[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    cells[:, len(head) :] = np.where(
        missing, ord(_MISSING), np.where(whole, m, 0).astype(np.int64) + _ZERO
    )
    text = cells.tobytes().decode("ascii")
    return [
        text[i : i + w] if ok else None
        for i, ok in zip(range(0, n * w, w), fits.tolist(), strict=True)
    ]


def decode(
    texts: Sequence[str | None] | npt.NDArray[np.bytes_], fp: str, k: int
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """(scores (n, k), stale): the kept scores of n accounts, and which of them
    must be scored afresh (no text, another fingerprint, another form).

    `texts` may also be one bytes array (S<width>) of all the texts, as the
    store reads them when they have one width."""
    n = len(texts)
    w = FINGERPRINT_WIDTH + 1 + k
    cells: Any
    if isinstance(texts, np.ndarray) and texts.dtype.kind == "S":
        # another width: texts of another set of criteria, all stale
        cells = texts if texts.dtype.itemsize == w else np.zeros(n, dtype=f"S{w}")
    else:
        cells = np.array([t if t is not None and len(t) == w else "" for t in texts], dtype=f"S{w}")
    raw = np.frombuffer(cells.tobytes(), dtype=np.uint8).reshape(n, w) if n else np.zeros((0, w))
    head = np.frombuffer(f"{fp}:".encode(), dtype=np.uint8)
    body = raw[:, FINGERPRINT_WIDTH + 1 :].astype(float)
    missing = body == ord(_MISSING)
    scores = body - _ZERO
    valid = missing | ((scores >= 0) & (scores <= _MAX_SCORE))
    fresh = (raw[:, : FINGERPRINT_WIDTH + 1] == head).all(axis=1) & valid.all(axis=1)
    scores[missing] = np.nan
    scores[~fresh] = np.nan
    return scores, ~fresh


def score_columns(
    columns: Mapping[str, Any], cfg: Scoring, chosen: Sequence[Criterion]
) -> tuple[FloatArray, list[str | None]]:
    """The kept criteria's scores of accounts from their columns, and their texts."""
    from fieldsales.domain.scoring import score_matrix

    m = score_matrix(columns, cfg, chosen)
    return m, encode(m, fingerprint(cfg, chosen))


def columns_read(chosen: Sequence[Criterion]) -> tuple[str, ...]:
    """The account columns the kept criteria read, once each."""
    return tuple(dict.fromkeys(n for c in chosen for n in c.reads))
