"""Great-circle distances, vectorised (numpy haversine).

geopy's geodesic costs ~0.15 ms a call; this computes 100,000 distances in a
few milliseconds and differs from it by at most ~0.25%, which is far below
the precision of the positions themselves. geopy stays for geocoding.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

FloatArray = npt.NDArray[np.float64]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(
        haversine_many(lat1, lon1, np.array([lat2], dtype=float), np.array([lon2], dtype=float))[0]
    )


def haversine_many(lat: float, lon: float, lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Distance in km from one point to many (NaN where a position is missing)."""
    p1, l1 = np.radians(lat), np.radians(lon)
    p2, l2 = np.radians(lats), np.radians(lons)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrix(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """All pairwise distances in km (n x n)."""
    p = np.radians(lats)[:, None]
    lam = np.radians(lons)[:, None]
    dp = p - p.T
    dl = lam - lam.T
    a = np.sin(dp / 2) ** 2 + np.cos(p) * np.cos(p.T) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_many_to_many(
    lats1: FloatArray, lons1: FloatArray, lats2: FloatArray, lons2: FloatArray
) -> FloatArray:
    """Distances in km from each of m points to each of n points (m x n); keep m small."""
    p1, l1 = np.radians(lats1)[:, None], np.radians(lons1)[:, None]
    p2, l2 = np.radians(lats2)[None, :], np.radians(lons2)[None, :]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
