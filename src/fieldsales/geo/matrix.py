"""Travel-time matrix for routing: haversine km x detour factor / speed.

Routing engines treat data as integers (floats are silently truncated), so
the time matrix is whole seconds, rounded up: rounding up keeps the triangle
inequality (ceil(a) + ceil(b) >= ceil(a + b)), so dropping a stop from a
feasible route never makes it infeasible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fieldsales.geo.distance import haversine_matrix

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class TravelMatrix:
    """Road km (haversine x detour) and whole driving seconds between nodes."""

    km: npt.NDArray[np.float64]
    seconds: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.km.shape[0])


def travel_seconds(km: float, speed_kmh: float) -> int:
    """Seconds to drive `km` road kilometres; the same rounding as the matrix."""
    return int(np.ceil(km / speed_kmh * SECONDS_PER_HOUR - 1e-9))


def travel_matrix(
    points: Sequence[tuple[float, float]], *, detour_factor: float, speed_kmh: float
) -> TravelMatrix:
    """All pairwise road km and integer seconds for (lat, lon) points."""
    if not points:
        empty = np.zeros((0, 0))
        return TravelMatrix(empty, empty.astype(np.int64))
    arr = np.asarray(points, dtype=float)
    km = haversine_matrix(arr[:, 0], arr[:, 1]) * detour_factor
    # a tiny epsilon keeps exact multiples from rounding up one second too far
    secs = np.ceil(km / speed_kmh * SECONDS_PER_HOUR - 1e-9).astype(np.int64)
    np.fill_diagonal(secs, 0)
    np.fill_diagonal(km, 0.0)
    return TravelMatrix(km=km, seconds=secs)
