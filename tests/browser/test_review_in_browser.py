"""A lead in a browser: `fieldsales serve --demo` driven in Debian's headless chromium with
Playwright. The page loads the app, keys open the Review screen, and `d` downloads the
report the screen shows (CSV and Excel), in English and in Japanese.

What the browser shows is read from the page's terminal (xterm.js draws on a canvas, so
its text is not in the DOM): an init script keeps the page's xterm `Terminal` object when
textual-serve's client creates it, and the test reads its screen buffer, line by line,
exactly as drawn. A screenshot of each step is saved beside the test's files.

chromium is a system package (`apt-get install chromium fonts-noto-cjk`; .ci/run installs
both): when it is missing this test fails and says so, it never skips.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Served, processes_running, serve

INSTALL = "apt-get install -y chromium fonts-noto-cjk (.ci/run does this)"
LOAD_TIMEOUT_MS = 90_000  # a loaded 2-core machine: Python, the app and the ranking start
STEP_TIMEOUT_MS = 45_000
# Keep the xterm Terminal that textual-serve's client assigns to `this.terminal`.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal",
      {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.options) { window.__fsTerminal = value; }
  },
});
"""
SCREEN_TEXT = """() => {
  const t = window.__fsTerminal;
  if (!t) { return ""; }
  const b = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--mute-audio",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(f"chromium is not installed, the browser test cannot run: {INSTALL}")
    return path


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        pytest.fail("Playwright is not installed: pip install -e '.[test]' (playwright==1.65.2)")
    executable = _chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, accept_downloads=True
        )
        context.add_init_script(KEEP_TERMINAL)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def screen(page: Any) -> str:
    return str(page.evaluate(SCREEN_TEXT))


def wait_for_text(page: Any, text: str, timeout: int = STEP_TIMEOUT_MS) -> str:
    """Wait until the browser's terminal shows `text`; the screen then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    probe = f"(text) => ({SCREEN_TEXT})().includes(text)"
    try:
        page.wait_for_function(probe, arg=text, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(
            f"{text!r} not shown in the browser; it shows:\n{screen(page)}"
        ) from None
    return screen(page)


def open_app(page: Any, served: Served, ready: str) -> None:
    page.goto(served.url + "/")
    wait_for_text(page, ready, LOAD_TIMEOUT_MS)
    page.click(".textual-terminal")  # keys go to the terminal


def download(page: Any, key: str, folder: Path) -> Path:
    with page.expect_download(timeout=STEP_TIMEOUT_MS) as arrived:
        page.keyboard.press(key)
    got = arrived.value
    path = folder / got.suggested_filename
    got.save_as(path)
    return path


def test_review_opens_and_the_report_downloads(
    served_demo: Served, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    open_app(page, served_demo, "v Review")
    home = screen(page)
    assert "of 500 accounts" in home  # the demo book
    page.keyboard.press("v")
    wait_for_text(page, "Campaign review")
    # every period: "this month" may be only hours old (the demo's outcomes end today)
    page.keyboard.press("w")
    wait_for_text(page, "period: last month")
    page.keyboard.press("w")
    wait_for_text(page, "period: all")
    wait_for_text(page, " Total ")
    shown = screen(page)
    page.screenshot(path=tmp_path / "review.png")
    assert "By: Rank" in shown
    total = next(line for line in shown.splitlines() if line.strip().startswith("Total"))
    contacted_on_screen = total.split()[1]  # Rank, Contacted, ...
    assert int(contacted_on_screen) > 0  # the demo has outcomes logged

    page.keyboard.press("d")
    wait_for_text(page, "Download the report")
    saved = download(page, "c", tmp_path)
    assert saved.name == "kpi-rank-all.csv"
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert list(rows) == ["A", "B", "C", "D", "total"]
    assert rows["total"]["contacted"] == contacted_on_screen  # what the screen showed
    wait_for_text(page, f"Downloaded {saved.name}")

    page.keyboard.press("d")
    wait_for_text(page, "Download the report")
    book = download(page, "x", tmp_path)
    assert book.suffix == ".xlsx"
    with zipfile.ZipFile(book) as xlsx:
        assert {"xl/workbook.xml", "xl/worksheets/sheet1.xml"} <= set(xlsx.namelist())
        assert "KPIs by rank" in xlsx.read("docProps/core.xml").decode()
    page.screenshot(path=tmp_path / "downloaded.png")


def test_japanese_in_the_browser(demo_home: Path, browser_page: Any, tmp_path: Path) -> None:
    fonts = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout
    assert fonts.strip(), f"no Japanese font for the browser: {INSTALL}"
    config = demo_home / "lead-ja.yaml"
    config.write_text("rep: Sato\nlanguage: ja\n", encoding="utf-8")
    page = browser_page
    with serve(demo_home, "--config", str(config), "--demo") as served:
        open_app(page, served, "振り返り")
        page.keyboard.press("v")
        wait_for_text(page, "キャンペーン振り返り")
        page.keyboard.press("w")
        wait_for_text(page, "期間: 先月")
        page.keyboard.press("w")
        wait_for_text(page, "期間: 全期間")
        wait_for_text(page, "合計")
        page.keyboard.press("d")
        wait_for_text(page, "レポートをダウンロード")
        page.screenshot(path=tmp_path / "review-ja.png")
        saved = download(page, "c", tmp_path)
        assert saved.read_bytes().startswith(b"\xef\xbb\xbfgroup,")
        wait_for_text(page, f"ダウンロードしました: {saved.name}")
        assert len(processes_running(str(config))) >= 2  # the server and the tab's app
    # the server stopped with the tab still open: the tab's app quit too (it would keep
    # the database open)
    deadline = time.monotonic() + 30
    while processes_running(str(config)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_running(str(config)) == []
