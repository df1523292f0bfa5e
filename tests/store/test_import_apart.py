"""A big file is read and checked in a process of its own (the second core)
while this one writes: the database, the report and the rejects are what the
same import checked in a thread gives; a checking process that dies is one
clear line and nothing written; and no process is left behind."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.locating import ImportLocator
from fieldsales.store import import_rows
from fieldsales.store.csvio import CsvError
from fieldsales.store.import_rows import CHUNK

from .test_import_streaming import line, run_import, write

pytestmark = pytest.mark.skipif(
    not import_rows.can_check_apart(10**9), reason="a process of its own needs fork (Linux)"
)
# what no two imports share: the ids given, the time written, the import's name
SAME = (
    "SELECT external_id, company, prefecture, city, address, lat, lon, geo_precision, "
    "geo_source, lifetime_revenue, last_order_date, main_reason, notes, match_key, "
    "static_scores, import_digest FROM account ORDER BY external_id"
)


def all_children() -> set[int]:
    """This process's child processes (Linux: /proc)."""
    pids: set[int] = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with contextlib.suppress(OSError):  # a thread that ended
            text = Path(f"/proc/{os.getpid()}/task/{task}/children").read_text()
            pids.update(int(p) for p in text.split())
    return pids


BEFORE: set[int] = set()  # a test worker may have its own (a server other tests started)


@pytest.fixture(autouse=True)
def _children_before() -> None:
    BEFORE.clear()
    BEFORE.update(all_children())


def children() -> list[int]:
    """The child processes started since the test began."""
    return sorted(all_children() - BEFORE)


def lines_with_faults(n: int) -> list[str]:
    lines = [line(i) for i in range(n)]
    k = CHUNK + 3
    lines[k] = lines[k].replace(f'"{100_000 + k:,}"', '"abc"')  # not a number
    lines[2 * CHUNK + 11] = lines[5]  # the same customer twice
    return lines


def database(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        accounts = [tuple(r) for r in conn.execute(sa.text(SAME))]
        history = conn.execute(
            sa.text(
                "SELECT a.external_id, c.field, c.old_value, c.new_value FROM account_change c "
                "JOIN account a ON a.id = c.account_id ORDER BY 1, 2"
            )
        ).all()
    return accounts, [tuple(r) for r in history]


def start_again(engine: Engine, monkeypatch: pytest.MonkeyPatch, apart: bool) -> None:
    """No accounts stored; the next import of a big file is checked apart, or in a thread."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM account_change"))
        conn.execute(sa.text("DELETE FROM account"))
    monkeypatch.setattr(import_rows, "FORK_MIN_LINES", 3 * CHUNK if apart else 10**9)
    assert import_rows.can_check_apart(4 * CHUNK) is apart


def both_ways(
    engine: Engine, settings: Settings, path: Path, monkeypatch: pytest.MonkeyPatch, **kw: object
) -> list[tuple[Any, ...]]:
    """The report and the database after importing `path` checked apart, then
    (the database emptied) checked in a thread."""
    seen: list[tuple[Any, ...]] = []
    for apart in (True, False):
        start_again(engine, monkeypatch, apart)
        locator = ImportLocator()
        report = run_import(engine, settings, path, locate=locator, **kw)
        rejects = report.rejects_file.read_text("utf-8") if report.rejects_file else None
        seen.append(
            (
                (report.rows, report.created, report.updated, report.rejected, report.written),
                [(p.row, p.column, p.value, p.reason) for p in report.problems],
                report.translated,
                rejects,
                (locator.summary.located, locator.summary.not_found),
                database(engine),
            )
        )
        assert children() == []
    return seen


def test_a_file_checked_apart_is_imported_as_in_a_thread(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "big.csv", lines_with_faults(4 * CHUNK))
    apart, thread = both_ways(engine, settings, path, monkeypatch, skip_invalid=True)
    assert apart == thread
    counts, problems, translated, rejects, located, (accounts, _) = apart
    assert counts == (4 * CHUNK, 4 * CHUNK - 2, 0, 2, True)
    assert [p[0] for p in problems] == [CHUNK + 5, 2 * CHUNK + 13]  # spreadsheet rows
    assert ("main_reason", "価格", "price") in translated  # as the file says it
    assert rejects is not None and "abc" in rejects
    assert located[0] == 4 * CHUNK - 2 and all(a[5] is not None for a in accounts)


def test_a_refused_file_checked_apart_reports_every_bad_row_and_writes_nothing(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "big.csv", lines_with_faults(4 * CHUNK))
    apart, thread = both_ways(engine, settings, path, monkeypatch)
    assert apart == thread
    counts, problems, _, _, _, (accounts, history) = apart
    assert counts == (4 * CHUNK, 0, 0, 2, False)
    assert len(problems) == 2 and accounts == [] and history == []


def test_a_reimport_checked_apart_keeps_each_change_as_in_a_thread(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "first.csv", [line(i) for i in range(4 * CHUNK)])
    second = write(
        tmp_path / "second.csv",
        [line(i, revenue=5_000_000 if i % 10 == 0 else None) for i in range(4 * CHUNK)],
    )
    seen: list[tuple[Any, ...]] = []
    for apart in (True, False):
        start_again(engine, monkeypatch, apart)
        run_import(engine, settings, first, locate=ImportLocator())
        report = run_import(engine, settings, second, locate=ImportLocator())
        seen.append(((report.created, report.updated, report.unchanged), database(engine)))
    assert seen[0] == seen[1]
    (created, updated, unchanged), (_, history) = seen[0]
    assert (created, updated, unchanged) == (0, 4 * CHUNK // 10, 4 * CHUNK - 4 * CHUNK // 10)
    assert len(history) == 4 * CHUNK // 10 and history[0][1] == "lifetime_revenue"


def test_a_checking_process_that_dies_is_one_line_and_nothing_written(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "big.csv", [line(i) for i in range(6 * CHUNK)])
    killed: list[int] = []

    def kill_the_checker(phase: str, done: int, total: int) -> None:
        if phase == "writing" and not killed:  # as the OOM killer would
            killed.extend(children())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    with pytest.raises(CsvError) as caught:
        run_import(engine, settings, path, progress=kill_the_checker)
    assert killed
    assert str(caught.value) == (
        "checking the file stopped: its process ended (killed by signal 9); nothing was imported"
    )
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM account")).scalar() == 0
    assert children() == []


def test_an_import_stopped_by_an_error_here_stops_the_checking_process(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "big.csv", [line(i) for i in range(6 * CHUNK)])

    def stop(phase: str, done: int, total: int) -> None:
        if phase == "writing":
            raise KeyboardInterrupt  # Ctrl-C while writing

    with pytest.raises(KeyboardInterrupt):
        run_import(engine, settings, path, progress=stop)
    assert children() == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM account")).scalar() == 0


def test_rows_cross_the_pipe_unchanged() -> None:
    """What the checking process sends (its cells as one text, its values
    without their names) unpacks to the same rows, cells and values: also a
    cell that holds the separator, empty cells, and rows whose values differ
    in their names (sent with them)."""
    from datetime import date

    from fieldsales.store.import_rows import CELL_SEP, Row, packed_rows, unpacked_rows

    cells = [
        ["C1", "ベンチ商事", "", "2024-01-02"],
        ["C2", f"a{CELL_SEP}b", "x", ""],
        ["", "", "", ""],
    ]
    values: list[dict[str, Any]] = [
        {"external_id": "C1", "company": "ベンチ商事", "last_order_date": date(2024, 1, 2)},
        {"external_id": "C2", "company": f"a{CELL_SEP}b", "last_order_date": None},
        {"external_id": None, "company": "", "last_order_date": None},
    ]
    rows = [
        Row(n, c, v, ("external_id", str(n)))
        for n, (c, v) in enumerate(zip(cells, values, strict=True))
    ]
    names, sent = packed_rows(rows)
    assert names == ("external_id", "company", "last_order_date")
    assert isinstance(sent[0][1], str) and sent[1][1] == cells[1]  # the separator: as a list
    back = unpacked_rows(names, sent)
    assert [(r.number, r.cells(), r.values, r.key) for r in back] == [
        (r.number, r.raw, r.values, r.key) for r in rows
    ]
    other = [*rows, Row(9, ["z"], {"company": "z", "external_id": "Z"}, ("external_id", "Z"))]
    names, sent = packed_rows(other)
    assert names is None
    assert [(r.cells(), r.values) for r in unpacked_rows(names, sent)] == [
        (r.raw, r.values) for r in other
    ]
    assert packed_rows([]) == ((), [])
