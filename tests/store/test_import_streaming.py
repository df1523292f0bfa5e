"""The account import streams a big file in chunks inside one transaction:
parsed rows are never all held, a bad row anywhere (the last one too) or a
killed process leaves the database as it was, problems of every chunk are
reported in row order, and re-imports keep their per-field history."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.store.csvio import CsvError
from fieldsales.store.import_rows import CHUNK, Row
from fieldsales.store.importer import ImportReport, import_accounts, vocabulary
from fieldsales.store.textfile import SCAN_BLOCK

TODAY = date(2026, 11, 22)
HEADER = "顧客コード,会社名,都道府県,市区町村,住所,累計取引額,最終取引日,休眠理由,備考"
TOWNS = ["丸の内1丁目", "大手町2丁目", "内幸町1丁目", "有楽町2丁目", "神田錦町3丁目"]


def line(i: int, revenue: int | None = None, note: str = "") -> str:
    town = TOWNS[i % len(TOWNS)]
    amount = 100_000 + i if revenue is None else revenue
    return (
        f"C{i:06d},テスト商事{i}株式会社,東京都,千代田区,{town}{i % 30 + 1}-{i % 7 + 1},"
        f'"{amount:,}",2024/0{i % 9 + 1}/15,価格,{note}'
    )


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join([HEADER, *lines]).encode(encoding) + b"\r\n")
    return path


def run_import(engine: Engine, settings: Settings, path: Path, **kw: object) -> ImportReport:
    return import_accounts(
        engine,
        path,
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=TODAY,
        scoring=settings.scoring,
        **kw,  # type: ignore[arg-type]
    )


def snapshot(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Everything an import writes: the accounts and their history."""
    with engine.connect() as conn:
        accounts = conn.execute(sa.text("SELECT * FROM account ORDER BY id")).all()
        changes = conn.execute(sa.text("SELECT * FROM account_change ORDER BY id")).all()
    return [tuple(r) for r in accounts], [tuple(r) for r in changes]


def test_parsed_rows_are_not_all_held(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    n = 5 * CHUNK
    path = write(tmp_path / "big.csv", [line(i) for i in range(n)])
    live: list[int] = []
    read: list[int | None] = []  # how far into the file reading is, at each chunk checked

    def count_rows(phase: str, done: int, total: int) -> None:
        live.append(sum(isinstance(o, Row) for o in gc.get_objects()))
        if phase == "checking":
            read.append(read_position(path))

    report = run_import(engine, settings, path, progress=count_rows)
    assert (report.created, report.written) == (n, True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM account")).scalar() == n
    # at most the chunk being written and the next one being checked are
    # alive, never the file's rows
    assert len(live) >= 5
    assert max(live) <= 2 * CHUNK
    # the file is open and read as the rows go: at the first chunk, a fraction of it
    size = path.stat().st_size
    assert all(pos is not None for pos in read[:-1]), read
    assert read[0] is not None and read[0] < size / 2, (read, size)


def read_position(path: Path) -> int | None:
    """Where this process reads `path` (Linux: /proc/self/fdinfo), None when it is not open."""
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                info = Path(f"/proc/self/fdinfo/{fd}").read_text()
                return int(info.split("pos:", 1)[1].split()[0])
    return None


def test_big_files_are_decoded_as_they_are_read(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Files of several read blocks: Shift_JIS told from its bytes, UTF-8 by its BOM."""
    n = 4 * CHUNK
    lines = [line(i, note="ｶﾌﾞｼｷｶﾞｲｼｬ　髙﨑①" * 12) for i in range(n)]
    for codec, label in (("cp932", "cp932"), ("utf-8-sig", "UTF-8 with BOM")):
        path = write(tmp_path / f"{codec}.csv", lines, codec)
        assert path.stat().st_size > 2 * SCAN_BLOCK
        report = run_import(engine, settings, path)
        assert (report.encoding, report.written) == (label, True)
        assert report.created + report.unchanged == n
        with engine.connect() as conn:
            notes = conn.execute(
                sa.text("SELECT notes FROM account WHERE external_id = 'C007999'")
            ).scalar()
        assert notes == "ｶﾌﾞｼｷｶﾞｲｼｬ　髙﨑①" * 12


@pytest.mark.parametrize(
    "codec, bad, message",
    [
        ("utf-8-sig", b"\xff", "is not utf-8-sig text (byte 0xff on line 5,002)"),
        ("utf-8", b"\xc3(", "is not UTF-8 text (byte 0xc3 on line 5,002)"),
        ("cp932", b"\x85@", "is not Shift_JIS (cp932) text (byte 0x85 on line 5,002)"),
    ],
)
def test_a_bad_byte_in_the_middle_of_a_big_file_is_one_line_naming_it(
    engine: Engine, settings: Settings, tmp_path: Path, codec: str, bad: bytes, message: str
) -> None:
    run_import(engine, settings, write(tmp_path / "first.csv", [line(i) for i in range(50)]))
    before = snapshot(engine)
    lines = [line(i, note="備考" * 60) for i in range(4 * CHUNK)]
    path = write(tmp_path / "broken.csv", lines, codec)
    data = path.read_bytes()
    at = data.index(b"C005000,")  # row 5,002 (the header is row 1)
    path.write_bytes(data[:at] + bad + data[at:])
    assert path.stat().st_size > 2 * SCAN_BLOCK and at > SCAN_BLOCK
    with pytest.raises(CsvError) as caught:
        run_import(engine, settings, path)
    assert str(caught.value) == (
        f"{path}: {message}; fix that line, or give the right --encoding NAME"
    )
    assert snapshot(engine) == before


def test_a_bad_last_row_of_a_big_file_leaves_the_database_unchanged(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    run_import(engine, settings, write(tmp_path / "first.csv", [line(i) for i in range(50)]))
    before = snapshot(engine)
    n = 3 * CHUNK + 10
    lines = [line(i, revenue=7_000_000 + i) for i in range(n)]
    lines[-1] = lines[-1].replace("2024/", "2099/")  # a date in the future: bad
    report = run_import(engine, settings, write(tmp_path / "big.csv", lines))
    assert not report.written
    assert (report.created, report.updated, report.rejected) == (0, 0, 1)
    assert [(p.row, p.column) for p in report.problems] == [(n + 1, "last_order_date")]
    assert snapshot(engine) == before


def test_problems_of_every_chunk_are_reported_in_row_order(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    n = 3 * CHUNK
    lines = [line(i) for i in range(n)]
    bad = [10, CHUNK + 5, 2 * CHUNK + 7]
    for i in bad:
        lines[i] = lines[i].replace("価格", "見当違い")  # a reason nobody knows
    lines.append(line(3))  # same customer code as row 5: duplicate
    path = write(tmp_path / "big.csv", lines)
    report = run_import(engine, settings, path)
    assert not report.written
    assert [(p.row, p.column) for p in report.problems] == [
        *[(i + 2, "main_reason") for i in bad],
        (n + 2, "external_id"),
    ]
    assert report.problems[-1].reason == "duplicate: same external_id as row 5"
    assert snapshot(engine) == ([], [])

    report = run_import(engine, settings, path, skip_invalid=True)
    assert (report.written, report.created, report.rejected) == (True, n - 3, 4)
    assert report.rejects_file is not None
    rejected = report.rejects_file.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [r.split(",")[0] for r in rejected] == [str(i + 2) for i in bad] + [str(n + 2)]


def test_reimport_with_a_tenth_changed_keeps_each_change(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    n = 2 * CHUNK + 100
    run_import(engine, settings, write(tmp_path / "a.csv", [line(i) for i in range(n)]))
    again = run_import(engine, settings, write(tmp_path / "a.csv", [line(i) for i in range(n)]))
    assert (again.created, again.updated, again.unchanged) == (0, 0, n)
    changed = [
        line(i, revenue=5_000_000 + i, note="更新") if i % 10 == 0 else line(i) for i in range(n)
    ]
    report = run_import(engine, settings, write(tmp_path / "b.csv", changed, "cp932"))
    assert (report.created, report.updated, report.unchanged) == (0, n // 10, n - n // 10)
    with engine.connect() as conn:
        history = conn.execute(
            sa.text(
                "SELECT a.external_id, c.field, c.old_value, c.new_value, c.source "
                "FROM account_change c JOIN account a ON a.id = c.account_id "
                "ORDER BY a.external_id, c.field"
            )
        ).all()
        revenue = conn.execute(
            sa.text("SELECT lifetime_revenue FROM account WHERE external_id = 'C002000'")
        ).scalar()
    assert revenue == 5_002_000
    assert len(history) == 2 * (n // 10)
    assert tuple(history[0]) == ("C000000", "lifetime_revenue", "100000", "5000000", "import:b.csv")
    assert tuple(history[1]) == ("C000000", "notes", None, "更新", "import:b.csv")


KILL = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date
    from pathlib import Path
    from fieldsales.config import load_settings
    from fieldsales.store.db import open_engine
    from fieldsales.store.importer import import_accounts, vocabulary

    settings = load_settings()
    engine = open_engine(Path(sys.argv[1]))

    def progress(phase, done, total):
        if phase == "writing" and done >= 2 * int(sys.argv[3]):
            print("killing", done, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a power cut would

    import_accounts(engine, Path(sys.argv[2]), vocab=vocabulary(settings),
                    max_line_bytes=settings.import_.max_line_bytes,
                    today=date(2026, 11, 22), progress=progress, scoring=settings.scoring)
    print("finished", flush=True)
    """
)


def test_a_killed_import_leaves_the_database_unchanged(
    engine: Engine, settings: Settings, tmp_path: Path, db_path: Path
) -> None:
    run_import(engine, settings, write(tmp_path / "first.csv", [line(i) for i in range(50)]))
    before = snapshot(engine)
    engine.dispose()
    lines = [line(i, revenue=9_000_000 + i) for i in range(4 * CHUNK)]
    path = write(tmp_path / "big.csv", lines)
    done = subprocess.run(
        [sys.executable, "-c", KILL, str(db_path), str(path), str(CHUNK)],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "killing" in done.stdout and "finished" not in done.stdout
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert snapshot(engine) == before
    # and the same file imports whole afterwards
    report = run_import(engine, settings, path)
    assert (report.written, report.created, report.updated) == (True, 4 * CHUNK - 50, 50)


def test_new_accounts_get_ids_that_sort_in_the_order_they_were_written(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """UUID version 7 (time, counter, random): the primary key's index is
    appended to, not written at random pages; ids stay unique UUIDs."""
    n = 2 * CHUNK + 10
    run_import(engine, settings, write(tmp_path / "a.csv", [line(i) for i in range(n)]))
    run_import(engine, settings, write(tmp_path / "b.csv", [line(i) for i in range(n, n + 5)]))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, external_id FROM account")).all()
    by_id = [external for _, external in sorted(rows)]
    assert by_id == [f"C{i:06d}" for i in range(n + 5)]  # file order, across imports
    assert {uuid.UUID(i).version for i, _ in rows} == {7}
    assert len({i for i, _ in rows}) == n + 5
