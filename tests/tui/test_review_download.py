"""The Review screen's download (`d`) in a terminal: the report as shown lands in the
downloads folder, as CSV or Excel, with the figures the table shows; a second download
keeps the first; Japanese shows the dialog in Japanese."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.review import DownloadModal, ReviewScreen

from .test_flows import static_text

TODAY = date(2026, 11, 30)  # the KPI dataset's today


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "Downloads"  # not there yet: the app makes it
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(folder))
    return folder


async def _arrived(pilot: Any, path: Path, notifications: list[str]) -> None:
    """Wait for the delivery thread to write `path` and the app to say so."""
    for _ in range(100):
        await pilot.pause()
        if path.exists() and any(str(path) in n for n in notifications):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} not delivered; notifications: {notifications}")


def _sheet_rows(book: zipfile.ZipFile, n: int) -> list[list[str]]:
    """The cell values of sheet `n`, row by row, shared strings resolved (no spreadsheet
    library reads xlsx here: XlsxWriter only writes)."""
    strings = [
        "".join(re.findall(r"<t[^>]*>([^<]*)</t>", si))
        for si in re.findall(r"<si>(.*?)</si>", book.read("xl/sharedStrings.xml").decode())
    ]
    rows = []
    for row in re.findall(
        r"<row [^>]*>(.*?)</row>", book.read(f"xl/worksheets/sheet{n}.xml").decode()
    ):
        cells: dict[int, str] = {}
        for attrs, value in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", row):
            letters = re.search(r'r="([A-Z]+)', attrs)
            assert letters is not None
            column = 0
            for ch in letters.group(1):  # A -> 0, Z -> 25, AA -> 26
                column = column * 26 + ord(ch) - ord("A") + 1
            v = re.search(r"<v>([^<]*)</v>", value or "")
            text = v.group(1) if v else ""
            cells[column - 1] = strings[int(text)] if 't="s"' in attrs and text else text
        rows.append([cells.get(j, "") for j in range(max(cells, default=-1) + 1)])
    return rows


async def test_download_csv_and_excel_to_the_downloads_folder(
    engine: Engine,
    app_settings: Settings,
    kpi_dataset: dict[str, str],
    settle: Any,
    downloads: Path,
    notifications: list[str],
) -> None:
    app = make_app(app_settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DownloadModal)
        await pilot.press("c")
        await settle(pilot)
        csv_file = downloads / "kpi-rank-2026-11.csv"
        await _arrived(pilot, csv_file, notifications)
        assert f"Saved {csv_file}" in notifications
        raw = csv_file.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel in Japan opens it
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        by_group = {r["group"]: r for r in rows}
        # November: 4 accounts contacted of 5, orders 1,000,000 and 500,000 (as the table shows)
        assert list(by_group) == ["A", "B", "C", "D", "total"]
        assert by_group["total"]["contacted"] == "4"
        assert by_group["total"]["revenue"] == "1500000"
        assert by_group["C"]["contacted"] == "1"

        # a rep filter narrows the download too; Excel this time
        await pilot.press("e")  # rep: Kato, one no-answer
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.click("#xlsx")
        await settle(pilot)
        xlsx_file = downloads / "kpi-rank-2026-11.xlsx"
        await _arrived(pilot, xlsx_file, notifications)
        with zipfile.ZipFile(xlsx_file) as book:
            assert "xl/worksheets/sheet2.xml" in book.namelist()  # KPIs and Funnel
            assert "rep Kato" in book.read("docProps/core.xml").decode()  # the title
            kpis = _sheet_rows(book, 1)
        header, total = kpis[0], kpis[-1]
        assert total[0] == "total"
        assert total[header.index("contacted")] == "1"
        assert total[header.index("revenue")] == "0"

        # the same CSV again: a new file beside the first, never over it
        await pilot.press("d", "c")
        await settle(pilot)
        second = downloads / "kpi-rank-2026-11 (2).csv"
        await _arrived(pilot, second, notifications)
        kato = {r["group"]: r for r in csv.DictReader(io.StringIO(second.read_text("utf-8-sig")))}
        assert kato["total"]["contacted"] == "1"
        assert kato["total"]["revenue"] == "0"
        assert csv_file.read_bytes() == raw  # the first download is untouched

        # Escape: nothing downloaded
        before = sorted(p.name for p in downloads.iterdir())
        await pilot.press("d", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert sorted(p.name for p in downloads.iterdir()) == before


async def test_download_dialog_in_japanese(
    engine: Engine,
    app_settings: Settings,
    kpi_dataset: dict[str, str],
    settle: Any,
    downloads: Path,
    notifications: list[str],
) -> None:
    settings = app_settings.model_copy(update={"language": "ja"})
    app = make_app(settings, engine, today=TODAY, db_label="test.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DownloadModal)
        assert static_text(dialog, ".dialog-title") == "レポートをダウンロード"
        await pilot.press("c")
        await settle(pilot)
        csv_file = downloads / "kpi-rank-2026-11.csv"
        for _ in range(100):
            await pilot.pause()
            if any(n.startswith("保存しました") for n in notifications):
                break
            await asyncio.sleep(0.05)
        assert f"保存しました: {csv_file}" in notifications
