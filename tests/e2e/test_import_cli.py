"""`fieldsales import` / `export` as a user runs them; bad files change nothing.

Most cases call the CLI entry point in-process (same code path, no start-up
cost); a few run the real console command to prove there is no traceback.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fieldsales.cli import main
from fieldsales.store.db import open_engine

HEADER = "顧客コード,会社名,住所,緯度,経度,累計取引額,最終取引日"
GOOD = 'C1,株式会社山田工業,東京都千代田区丸の内1-2-3,35.681,139.767,"1,200,000",2024/04/01'


def db_state(db: Path) -> tuple[list[tuple[object, ...]], int]:
    engine = open_engine(db)
    with engine.connect() as conn:
        accounts = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM account ORDER BY id"))]
        changes = conn.execute(sa.text("SELECT count(*) FROM account_change")).scalar_one()
    engine.dispose()
    return accounts, changes


@pytest.fixture
def seeded_db(tmp_path: Path) -> Path:
    """A database already holding one imported account."""
    db = tmp_path / "f.db"
    src = tmp_path / "seed.csv"
    src.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    assert main(["--db", str(db), "import", "--no-locate", str(src)]) == 0
    return db


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


_rng = random.Random(1)
GARBAGE = bytes(_rng.randrange(0x80, 0x100) for _ in range(400))  # no text encoding reads it

BAD_INPUTS = {
    "missing file": (lambda p: p / "nope.csv", "file not found"),
    "empty file": (lambda p: _write(p / "empty.csv", ""), "file is empty"),
    "header only": (lambda p: _write(p / "head.csv", HEADER + "\n"), "no account rows"),
    "binary file": (
        lambda p: _write_bytes(p / "book.xlsx.csv", b"PK\x03\x04\x14\x00\x00\x00" + bytes(200)),
        "binary file",
    ),
    "undecodable": (
        lambda p: _write_bytes(
            p / "enc.csv",
            b"company\n" + GARBAGE,
        ),
        "could not tell the encoding; use --encoding NAME",
    ),
    "missing company column": (
        lambda p: _write(p / "nocomp.csv", "住所,緯度\n丸の内,35\n"),
        "missing required column: company",
    ),
    "lat outside -90..90": (
        lambda p: _write(
            p / "lat.csv", f"{HEADER}\nC2,東和商事,港区芝1-1,95.5,139.7,100,2024/01/01\n"
        ),
        "row 2, lat: must be between -90 and 90 (value '95.5')",
    ),
    "negative revenue": (
        lambda p: _write(p / "rev.csv", f"{HEADER}\nC2,東和商事,港区芝1-1,,,-5000,2024/01/01\n"),
        "row 2, lifetime_revenue: must not be negative (value '-5000')",
    ),
    "future date": (
        lambda p: _write(p / "fut.csv", f"{HEADER}\nC2,東和商事,港区芝1-1,,,100,2999/01/01\n"),
        "row 2, last_order_date: is in the future",
    ),
    "duplicate keys": (
        lambda p: _write(
            p / "dup.csv",
            f"{HEADER}\n{GOOD.replace('1,200', '9,200')}\n"
            "C2,東和商事,港区芝1-1,,,100,2024/01/01\n"
            "C2,東和商事,港区芝9-9,,,200,2024/01/01\n",
        ),
        "row 4, external_id: duplicate: same external_id as row 3",
    ),
    "10 MB line": (
        lambda p: _write(p / "long.csv", f"{HEADER}\nC2,{'x' * 10_000_000},,,,1,2024/01/01\n"),
        "a line is 10,000,",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_clear_message_and_changes_nothing(
    case: str, seeded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, message = BAD_INPUTS[case]
    path = make(tmp_path)
    before = db_state(seeded_db)
    capsys.readouterr()
    code = main(["--db", str(seeded_db), "import", "--no-locate", str(path)])
    out, err = capsys.readouterr()
    assert code != 0
    assert message in err
    # One line for a bad file; the bad row plus the summary for a bad row. Never wrapped.
    assert len(err.strip().splitlines()) == (2 if message.startswith("row ") else 1)
    assert "Traceback" not in err + out
    assert db_state(seeded_db) == before


def test_every_bad_row_is_listed_and_nothing_imported(
    seeded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "mixed.csv",
        f"{HEADER}\n"
        "C2,東和商事,港区芝1-1,,,100,2024/01/01\n"
        "C3,悪い1,港区芝2-1,91,139,100,2024/01/01\n"
        "C4,悪い2,港区芝3-1,,,-1,2999/01/01\n",
    )
    before = db_state(seeded_db)
    capsys.readouterr()
    assert main(["--db", str(seeded_db), "import", "--no-locate", str(path)]) == 1
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("mixed.csv: row")]
    assert lines == [
        "mixed.csv: row 3, lat: must be between -90 and 90 (value '91')",
        "mixed.csv: row 4, lifetime_revenue: must not be negative (value '-1')",
        "mixed.csv: row 4, last_order_date: is in the future (today is "
        + lines[2].split("today is ")[1],
    ]
    assert "2 bad row(s) of 3; nothing was imported" in err
    assert db_state(seeded_db) == before


def test_skip_invalid_imports_the_rest_and_names_the_rejects_file(
    seeded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "mixed.csv",
        f"{HEADER}\n"
        "C2,東和商事,港区芝1-1,,,100,2024/01/01\n"
        "C3,悪い1,港区芝2-1,91,139,100,2024/01/01\n",
    )
    capsys.readouterr()
    code = main(["--db", str(seeded_db), "import", "--no-locate", "--skip-invalid", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert (tmp_path / "mixed.rejects.csv").exists()
    companies = sorted(str(r[3]) for r in db_state(seeded_db)[0])
    assert companies == ["東和商事", "株式会社山田工業"]


def test_map_option_reads_an_unusual_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "odd.csv", "取引先名称,メモ欄\n大成建設工業,駐車場あり\n")
    db = tmp_path / "f.db"
    code = main(
        [
            "--db",
            str(db),
            "import",
            "--no-locate",
            "--map",
            "取引先名称=company",
            "--map",
            "メモ欄=notes",
            str(path),
        ]
    )
    assert code == 0, capsys.readouterr().err
    engine = open_engine(db)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT company, notes FROM account")).one()
    engine.dispose()
    assert tuple(row) == ("大成建設工業", "駐車場あり")


def test_real_process_import_reimport_and_export(fieldsales_process: Any, tmp_path: Path) -> None:
    """A real process: Japanese file names and counts on the real stdout."""
    fieldsales = fieldsales_process
    home, db = tmp_path / "home", tmp_path / "f.db"
    src = tmp_path / "顧客.csv"
    src.write_bytes(f"{HEADER}\r\n{GOOD}\r\n".encode("cp932"))
    first = fieldsales(home, "--db", str(db), "import", "--no-locate", str(src))
    assert first.returncode == 0, first.stderr
    assert "顧客.csv (cp932): 1 created, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    out = tmp_path / "export.csv"
    exported = fieldsales(home, "--db", str(db), "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert f"exported 1 accounts to {out}" in exported.stdout
    again = fieldsales(home, "--db", str(db), "import", "--no-locate", str(out))
    assert "0 created, 0 updated, 1 unchanged, 0 rejected" in again.stdout


def test_bad_file_is_one_line_and_no_traceback(fieldsales: Any, tmp_path: Path) -> None:
    result = fieldsales(
        tmp_path / "home", "--db", str(tmp_path / "f.db"), "import", str(tmp_path / "missing.csv")
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'missing.csv'}: file not found"


def test_import_fills_missing_positions_offline_unless_no_locate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "pc.csv",
        "会社名,郵便番号,都道府県,市区町村,住所\n東和商事,220-0011,神奈川県,横浜市西区,高島2-1\n",
    )
    plain, located = tmp_path / "plain.db", tmp_path / "located.db"
    assert main(["--db", str(plain), "import", "--no-locate", str(path)]) == 0
    assert main(["--db", str(located), "import", str(path)]) == 0
    assert "located: 1 of 1 accounts located" in capsys.readouterr().out
    for db, expect_position in ((plain, False), (located, True)):
        engine = open_engine(db)
        with engine.connect() as conn:
            lat, lon, source = conn.execute(
                sa.text("SELECT lat, lon, geo_source FROM account")
            ).one()
        engine.dispose()
        if expect_position:
            # 横浜市西区高島 is at about (35.466, 139.622).
            assert abs(lat - 35.466) < 0.02 and abs(lon - 139.622) < 0.02
            assert source in ("postal", "address")
        else:
            assert (lat, lon, source) == (None, None, None)
