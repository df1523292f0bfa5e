"""`fieldsales report --format xlsx|html|csv|json` on outcomes logged with
`fieldsales log`, each file opened the way a user's program would: the
workbook's cells (numbers with their number format, text as text, no
formula) and charts, the page's figures and charts with nothing fetched."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import fieldsales
from fieldsales.cli import main

SRC = str(Path(fieldsales.__file__).resolve().parents[1])  # the code under test
ACCOUNTS = """\
顧客コード,会社名,住所,緯度,経度,累計取引額,最終取引日,購買周期,休眠理由,解決度,競合状況,デジタル反応
K1,株式会社山田工業,東京都千代田区丸の内1-2-3,35.684,139.768,"50,000,000",2025/10/01,60,forgotten,solved,none,high
K2,佐藤精機株式会社,東京都中央区日本橋1-1,35.683,139.774,"30,000,000",2025/08/01,60,forgotten,solved,none,high
K3,鈴木商店,東京都港区芝1-1,35.650,139.750,"3,000,000",2025/01/15,90,price,partly,partial,medium
K4,田中物産,東京都台東区上野1-1,35.710,139.775,"1,000,000",2023/01/15,60,need_gone,unsolvable,long_contract,low
"""
ODD_REP = "=SUM(1)<b>&"  # a formula to a spreadsheet, markup to a browser


def _cli(db: Path, *args: str) -> None:
    assert main(["--db", str(db), *args]) == 0, args


@pytest.fixture
def logged_db(tmp_path: Path) -> Path:
    """Four imported accounts, a saved route, and November outcomes of three reps."""
    db = tmp_path / "f.db"
    src = tmp_path / "顧客.csv"
    src.write_text(ACCOUNTS, encoding="utf-8")
    _cli(db, "import", "--no-locate", str(src))
    _cli(db, "plan", "--date", "2026-11-10", "--save")
    log = ("log", "--date")
    _cli(db, *log, "2026-11-10", "K1", "--channel", "visit", "--result", "appointment",
         "--stage", "met", "--cost", "1500", "--rep", "佐藤")  # fmt: skip
    _cli(db, *log, "2026-11-10", "K2", "--channel", "visit", "--result", "contacted",
         "--rep", "佐藤")  # fmt: skip
    _cli(db, *log, "2026-11-18", "K1", "--channel", "phone", "--result", "order",
         "--amount", "1,200,000", "--rep", "佐藤")  # fmt: skip
    _cli(db, *log, "2026-11-05", "K3", "--channel", "phone", "--result", "no_answer",
         "--rep", "加藤")  # fmt: skip
    _cli(db, *log, "2026-11-06", "K4", "--channel", "email", "--result", "interested",
         "--rep", ODD_REP)  # fmt: skip
    return db


def _report(cli: Any, db: Path, home: Path, *args: str) -> Any:
    """`fieldsales --db DB report ARGS` in this process."""
    return cli("--db", str(db), "report", *args, home=home)


def test_kpi_workbook_has_numbers_formats_and_charts(
    logged_db: Path, tmp_path: Path, isolated_home: Path, read_xlsx: Any, cli: Any
) -> None:
    target = tmp_path / "kpi.xlsx"
    proc = _report(cli, logged_db, isolated_home, "--by", "rep", "--period", "2026-11",
                   "--format", "xlsx", "-o", str(target))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"wrote {target}\n"
    assert not list(tmp_path.glob("*.partial"))
    book = read_xlsx(target)
    assert list(book.sheets) == ["KPIs", "Funnel"]
    assert "xl/charts/chart1.xml" in book.names and len(book.charts) == 3
    rows = book.rows("KPIs")
    head = [c.value for c in rows[0]]
    assert head[:3] == ["rep", "targets", "contacted"] and "contact rate" in head
    by_rep = {r[0].value: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert list(by_rep) == [ODD_REP, "佐藤", "加藤", "total"]  # in code point order
    # the odd rep name is text, never a formula
    assert all(c.type != "formula" for r in rows for c in r)
    assert by_rep[ODD_REP]["rep"].type == "string"
    sato, total = by_rep["佐藤"], by_rep["total"]
    assert (sato["contacted"].value, sato["contacted"].type) == (2, "number")
    assert (sato["revenue"].value, sato["revenue"].format) == (1_200_000, "#,##0")
    # cost: the visit's logged 1,500 + kpi.contact_cost of a visit (5,000) and a call (1,000)
    assert (sato["react."].value, sato["cost"].value) == (1, 7_500)
    assert (sato["close"].value, sato["close"].format) == (1.0, "0%")
    assert (sato["response"].value, sato["response"].format) == (0.5, "0%")
    assert (total["contacted"].value, total["revenue"].value) == (4, 1_200_000)
    assert total["reach"].value == 0.75
    assert by_rep["加藤"]["avg order"].type == "blank"  # no order: no average, not 0
    funnel = [[c.value for c in r] for r in book.rows("Funnel")]
    assert funnel == [["step", "accounts", "lost"], ["contacted", 4, None],
                      ["reached", 3, 0.25], ["appointed", 1, pytest.approx(2 / 3)],
                      ["ordered", 1, 0]]  # fmt: skip
    assert book.rows("Funnel")[2][2].format == "0%"
    kpis, revenue, funnel_chart = book.charts
    assert '<c:barDir val="col"/>' in kpis and "KPIs!$C$2:$C$4" in kpis  # contacted
    assert "佐藤" in kpis and "Revenue" in revenue and "KPIs!$L$2:$L$4" in revenue
    assert '<c:barDir val="bar"/>' in funnel_chart and "Funnel!$B$2:$B$5" in funnel_chart
    with zipfile.ZipFile(target) as z:  # the header row is frozen, the table filtered
        xml = z.read("xl/worksheets/sheet1.xml").decode()
        workbook = z.read("xl/workbook.xml").decode()
    assert 'state="frozen"' in xml and "<autoFilter" in xml and "<cols>" in xml
    # the filter covers the header and the three groups; the total row stays below it
    assert re.search(r"KPIs!\$A\$1:\$[A-Z]+\$4<", workbook), workbook


def test_route_workbook_and_page(
    logged_db: Path, tmp_path: Path, isolated_home: Path, read_xlsx: Any, cli: Any
) -> None:
    target = tmp_path / "routes.xlsx"
    assert main(["--db", str(logged_db), "report", "--by", "route",
                 "--format", "xlsx", "-o", str(target)]) == 0  # fmt: skip
    book = read_xlsx(target)
    assert list(book.sheets) == ["Routes"]
    head, *rows = book.rows("Routes")
    cols = [c.value for c in head]
    assert cols[:3] == ["route", "date", "rep"] and "planned ROI" in cols
    (row,) = rows
    cell = dict(zip(cols, row, strict=True))
    assert cell["date"].type == "number" and cell["date"].format == "yyyy-mm-dd"
    assert cell["planned ROI"].type == "number" and cell["planned ROI"].format == "0%"
    assert cell["planned revenue"].format == "#,##0" and cell["planned revenue"].value > 0
    assert cell["actual ROI"].type == "blank"  # no stop marked visited: no actual ROI yet
    (chart,) = book.charts
    assert cols[10] == "planned ROI" and cols[14] == "actual ROI"
    assert "Routes!$K$2" in chart and "Routes!$O$2" in chart  # the two series

    page = tmp_path / "routes.html"
    assert main(["--db", str(logged_db), "report", "--by", "route",
                 "--format", "html", "-o", str(page)]) == 0  # fmt: skip
    html = page.read_text(encoding="utf-8")
    assert "http" not in html.lower() and "<svg" in html
    assert "planned ROI" in html and f"{cell['planned revenue'].value:,.0f}" in html


def test_kpi_page_csv_and_json_show_the_figures(
    logged_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", str(logged_db), "report", "--by", "rep", "--period", "2026-11"]
    page = tmp_path / "kpi.html"
    assert main([*base, "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "http" not in html.lower()  # no src or href to fetch: one self-contained file
    assert "<script" not in html and "<b>" not in html  # the rep's name is escaped
    assert "=SUM(1)&lt;b&gt;&amp;" in html
    assert html.count("<svg") == 5  # reactivations, revenue, response rate, ROI, funnel
    assert "1,200,000" in html and "佐藤" in html and "加藤" in html
    assert "Reactivations by rep" in html and "Revenue (JPY) by rep" in html

    target = tmp_path / "kpi.csv"
    assert main([*base, "--format", "csv", "-o", str(target)]) == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel in Japan reads it as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["group"] for r in rows] == ["'" + ODD_REP, "佐藤", "加藤", "total"]
    assert (rows[1]["revenue"], rows[1]["reactivated"], rows[3]["contacted"]) == (
        "1200000", "1", "4"
    )  # fmt: skip

    capsys.readouterr()
    assert main([*base, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["by"], data["period"]) == ("rep", "2026-11")
    assert [r["group"] for r in data["rows"]] == [ODD_REP, "佐藤", "加藤"]
    assert data["total"]["revenue"] == 1_200_000 and data["rows"][1]["response_rate"] == 0.5


def test_xlsx_to_a_terminal_is_one_error_line_and_help_stays_light(
    logged_db: Path, isolated_home: Path, cli: Any
) -> None:
    proc = _report(cli, logged_db, isolated_home, "--by", "rank", "--format", "xlsx")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "error: --format xlsx writes a file: add -o FILE (e.g. -o report.xlsx)\n"
    code = (
        "import sys\nfrom fieldsales.cli import main\n"
        "try:\n    main(['report', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('xlsxwriter', 'numpy') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin",
                               "FIELDSALES_HOME": str(isolated_home)}, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "--format xlsx" in proc.stdout and "-o kpi.xlsx" in proc.stdout
    assert proc.stdout.rstrip().endswith("[]")
