"""The import locates each chunk as it writes it (one statement, no second
pass): the positions must be what the locating after the import gave, on a few
thousand Japanese addresses written the ways reps write them, for new accounts
and for updated ones (address moved, other fields changed, position given)."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.geo import locate as offline
from fieldsales.services.locating import ImportLocator, locate_missing
from fieldsales.store.db import open_engine
from fieldsales.store.importer import ImportReport, import_accounts, vocabulary

TODAY = date(2026, 11, 22)
HEADER = [
    "顧客コード",
    "会社名",
    "郵便番号",
    "都道府県",
    "市区町村",
    "住所",
    "緯度",
    "経度",
    "累計取引額",
]
ROWS = 3000
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def addresses(n: int, seed: int) -> list[list[str]]:
    """n rows over the whole country: house numbers after a town, the whole
    address in one cell, full-width digits, a postal code alone, a town the
    table does not know, an unknown municipality, and a position given."""
    table = offline.table()
    rng = random.Random(seed)
    munis = [i for i in range(len(table.munis)) if table._towns_raw[i]]
    rows = []
    for i in range(n):
        mi = rng.choice(munis)
        pref, city, _, _ = table.munis[mi]
        town = rng.choice(table._towns_raw[mi])[0]
        number = f"{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        postal, lat, lon = "", "", ""
        kind = i % 8
        if kind == 0:  # the usual: prefecture and city in their columns
            address = f"{town}{number}"
        elif kind == 1:  # everything in the address cell
            address, pref, city = f"{pref}{city}{town}{number}", "", ""
        elif kind == 2:  # full-width digits and dash
            address = f"{town}{number.translate(FULL_WIDTH)}"
        elif kind == 3:  # a postal code and nothing else
            code = int(table.codes[rng.randrange(len(table.codes))])
            postal, address, pref, city = f"{code:07d}", "", "", ""
        elif kind == 4:  # a town no table knows: the municipality
            address = f"存在しない町{number}"
        elif kind == 5:  # a postal code and an address
            code = int(table.codes[rng.randrange(len(table.codes))])
            postal, address = f"〒{code // 10000:03d}-{code % 10000:04d}", f"{town}{number}"
        elif kind == 6:  # a position given in the file (kept: street is finer)
            address, lat, lon = f"{town}{number}", "35.1", "136.9"
        else:  # nowhere
            address, pref, city = "番地不明", "", ""
        rows.append([f"K{i:05d}", f"住所テスト{i}株式会社", postal, pref, city, address, lat, lon])
    return rows


def write(path: Path, rows: list[list[str]], revenue: int = 100_000) -> Path:
    lines = [",".join(HEADER)] + [",".join([*r, str(revenue + k)]) for k, r in enumerate(rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def positions(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT external_id, lat, lon, geo_precision, geo_source FROM account "
                "ORDER BY external_id"
            )
        ).all()
    return [tuple(r) for r in rows]


def run(
    engine: Engine, settings: Settings, path: Path, locator: ImportLocator | None
) -> ImportReport:
    return import_accounts(
        engine,
        path,
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=TODAY,
        scoring=settings.scoring,
        locate=locator,
    )


def test_positions_equal_the_locating_after_the_import(
    engine: Engine, settings: Settings, migrated_template: Path, tmp_path: Path
) -> None:
    shutil.copyfile(migrated_template, tmp_path / "second_pass.db")
    old_way = open_engine(tmp_path / "second_pass.db")
    rows = addresses(ROWS, seed=19)
    first = write(tmp_path / "first.csv", rows)

    locator = ImportLocator()
    report = run(engine, settings, first, locator)
    before = run(old_way, settings, first, None)
    assert report.created == before.created == ROWS
    summary = locate_missing(old_way, account_ids=before.touched_ids)
    assert positions(engine) == positions(old_way)
    assert locator.summary == summary
    assert summary.town > ROWS // 2 and summary.city > 0 and summary.not_found > 0
    assert summary.unchanged == ROWS // 8  # the positions given in the file

    # A second file: a third of the accounts moved, others changed elsewhere or not at all.
    rng = random.Random(20)
    moved = addresses(ROWS, seed=21)
    changed = []
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row = [row[0], row[1], *moved[i][2:]]
        elif i % 3 == 1 and row[-1]:  # a position given: another one
            row = [*row[:-1], f"13{rng.randint(5, 9)}.5"]
        changed.append(row)
    # revenue changed on every row: all are updates
    second = write(tmp_path / "second.csv", changed, revenue=200_000)
    locator = ImportLocator()
    report = run(engine, settings, second, locator)
    again = run(old_way, settings, second, None)
    assert report.updated == again.updated > ROWS // 2
    summary = locate_missing(old_way, account_ids=again.touched_ids)
    assert positions(engine) == positions(old_way)
    assert locator.summary == summary
    with engine.connect() as conn, old_way.connect() as conn2:
        query = sa.text(
            "SELECT a.external_id, c.field, c.old_value, c.new_value FROM account_change c "
            "JOIN account a ON a.id = c.account_id ORDER BY 1, 2"
        )
        assert [tuple(r) for r in conn.execute(query)] == [tuple(r) for r in conn2.execute(query)]
    old_way.dispose()
