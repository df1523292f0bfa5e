"""Offline locating: speed on 100,000 accounts and error on held-out towns.

Usage:  python bench/bench_locate.py [--accounts 100000] [--hold-out 0.1]

1. Speed (target: 100,000 accounts under 30 s): a SQLite database with N
   accounts (half with a postal code only, half with an address only, drawn
   from the bundled table) is located end to end with
   services.locating.locate_missing, the function `fieldsales locate` runs.
2. Error (target: median under 1 km at town precision): the table is rebuilt
   with a random share of 丁目 towns left out (scripts/build_geodata.py
   --hold-out, needs the `bench` extra). Each held-out town has known
   coordinates; we locate it as an account would be, by the postal code of its
   town and by an address in it, and measure the distance.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

from fieldsales.geo import locate as offline  # noqa: E402
from fieldsales.geo.distance import haversine_km  # noqa: E402
from fieldsales.geo.normalize import town_key  # noqa: E402
from fieldsales.store.db import open_engine  # noqa: E402
from fieldsales.store.models import Account, new_id, utcnow  # noqa: E402

KANJI = "〇一二三四五六七八九"


def sample_accounts(n: int, seed: int) -> list[dict[str, object]]:
    t = offline.table()
    rng = random.Random(seed)
    now = utcnow()
    rows: list[dict[str, object]] = []
    towns = [(mi, tw) for mi, ts in enumerate(t._towns_raw) for tw in ts]
    for i in range(n):
        base: dict[str, object] = {
            "id": new_id(),
            "match_key": f"bench{i}",
            "company": f"ベンチ商事{i}",
            "geo_precision": "none",
            "lifetime_revenue": 0,
            "main_reason": "unknown",
            "reason_solvable": "unknown",
            "competitor_status": "unknown",
            "digital_responsiveness": "unknown",
            "do_not_contact": False,
            "postal_code": None,
            "prefecture": None,
            "city": None,
            "address": None,
            "created_at": now,
            "updated_at": now,
        }
        if i % 2 == 0:
            code = int(t.codes[rng.randrange(len(t.codes))])
            base["postal_code"] = f"{code:07d}"[:3] + "-" + f"{code:07d}"[3:]
        else:
            mi, (name, _, _) = towns[rng.randrange(len(towns))]
            pref, city, _, _ = t.munis[mi]
            base["prefecture"], base["city"] = pref, city
            base["address"] = f"{name}{rng.randint(1, 30)}-{rng.randint(1, 20)} 第{i % 9 + 1}ビル"
        rows.append(base)
    return rows


def bench_speed(n: int) -> None:
    from fieldsales.services.locating import locate_missing

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "bench.db")
        rows = sample_accounts(n, seed=7)
        with engine.begin() as conn:
            conn.execute(sa.insert(Account.__table__), rows)  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        offline.GeoTable.load()  # what the first lookup of a session pays
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = locate_missing(engine)
        took = time.perf_counter() - t0
        engine.dispose()
    print(f"table load                 {load:6.2f} s")
    print(
        f"locate_missing {n:,} accounts {took:6.2f} s  ({n / took:,.0f}/s, target < 30 s)  "
        f"{summary.town:,} town, {summary.city:,} city, {summary.not_found:,} not found"
    )


def _chome_number(name: str) -> tuple[str, int] | None:
    m = re.match(r"^(.*?)(\d+)丁目$", town_key(name))
    return (m.group(1), int(m.group(2))) if m else None


def _kanji(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else KANJI[tens]) + "十") + (
        KANJI[ones] if ones else ""
    )


def bench_error(hold_out: float, seed: int) -> None:
    import build_geodata  # scripts/, needs the bench extra

    t0 = time.perf_counter()
    data, _, held = build_geodata.build(hold_out, seed)
    table = offline.GeoTable(data)
    print(f"held-out build             {time.perf_counter() - t0:6.2f} s  ({len(held):,} towns)")
    # postal codes by (prefecture, municipality, town key) of their town
    by_town: dict[tuple[str, str, str], int] = {}
    for row, name in enumerate(table.names):
        if name:
            pref, city, _, _ = table.munis[int(table.muni[row])]
            by_town.setdefault((pref, city, town_key(name)), row)
    postal_err: list[float] = []
    address_err: list[float] = []
    postal_city = address_city = 0
    for h in held:
        parts = _chome_number(h["town"])
        if parts is None:
            continue
        base, chome = parts
        row = by_town.get((h["pref"], h["city"], base))
        if row is not None:
            code = f"{int(table.codes[row]):07d}"
            pos = table.by_postal_code(code)
            if pos is not None and pos.precision == "town":
                postal_err.append(haversine_km(h["lat"], h["lon"], pos.lat, pos.lon))
            else:
                postal_city += 1
        # a realistic line: kanji 丁目 and a house number
        text = f"{h['pref']}{h['city']}{h['town'].replace(str(chome), _kanji(chome))}1番2号"
        pos = table.by_address(text)
        if pos is not None and pos.precision == "town":
            address_err.append(haversine_km(h["lat"], h["lon"], pos.lat, pos.lon))
        else:
            address_city += 1
    for label, errs, coarse in (
        ("by postal code", postal_err, postal_city),
        ("by address", address_err, address_city),
    ):
        if not errs:
            print(f"{label}: no held-out town could be looked up")
            continue
        q = statistics.quantiles(errs, n=10)
        print(
            f"held-out error {label:15s} median {statistics.median(errs):5.2f} km  "
            f"p90 {q[-1]:5.2f} km  (n={len(errs):,} at town precision, "
            f"{coarse:,} only to a municipality; target median < 1 km)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--hold-out", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    bench_speed(args.accounts)
    bench_error(args.hold_out, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
