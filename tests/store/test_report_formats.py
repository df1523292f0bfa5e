"""The report writers follow the fields KpiRow has: columns another change adds
(gross profit, ROI, retention, coverage) appear in every format once the rows
carry them, and nothing breaks while they do not. Also: one registry of formats."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fieldsales.commands import kpi_output, report, route_output
from fieldsales.commands.report_format import KPI_COLUMNS, Out, kpi_columns
from fieldsales.config import Settings
from fieldsales.files import atomic_write
from fieldsales.services.kpi_report import KpiReport, KpiRow, kpi_report_for

LATER = {  # fields coming to KpiRow, with a value for the test
    "gross_profit": (int, 450_000),
    "roi": (float | None, 5.0),  # a ratio: 500%
    "retained": (int, 1),
    "retention_rate": (float | None, 0.5),
    "coverage": (float | None, 0.8),
}


def _later_report(engine: Engine, settings: Settings) -> KpiReport:
    """The real KPIs of the dataset, on rows that also have the coming fields."""
    have = {f.name for f in dataclasses.fields(KpiRow)}
    extra = [
        (n, t, dataclasses.field(default=None)) for n, (t, _) in LATER.items() if n not in have
    ]
    row_type = dataclasses.make_dataclass("LaterRow", extra, bases=(KpiRow,), frozen=True)
    values = {n: v for n, (_, v) in LATER.items()}

    def later(r: KpiRow) -> Any:
        return row_type(**{**dataclasses.asdict(r), **values})

    base = kpi_report_for(engine, settings, by="channel", period="2026-11", offset_minutes=0)
    return dataclasses.replace(base, rows=[later(r) for r in base.rows], total=later(base.total))


def test_columns_are_the_fields_the_rows_have(
    engine: Engine, settings: Settings, kpi_dataset: dict[str, str]
) -> None:
    now = kpi_report_for(engine, settings, by="channel", period="2026-11", offset_minutes=0)
    fields = {f.name for f in dataclasses.fields(KpiRow)}
    assert [c.attr for c in kpi_columns(now)] == [c.attr for c in KPI_COLUMNS if c.attr in fields]
    later = _later_report(engine, settings)
    assert [c.attr for c in kpi_columns(later)] == [c.attr for c in KPI_COLUMNS]


def test_coming_fields_show_in_table_html_and_xlsx(
    engine: Engine,
    settings: Settings,
    kpi_dataset: dict[str, str],
    tmp_path: Path,
    read_xlsx: Any,
) -> None:
    rep = _later_report(engine, settings)
    text = io.StringIO()
    kpi_output.FORMATS["table"].write(rep, Out(text))
    table = text.getvalue()  # too wide for 160 columns: split, every number whole
    assert "ROI" in table and "500%" in table and "450,000" in table and "1,500,000" in table
    assert "…" not in table and max(len(line) for line in table.splitlines()) <= 160

    page = io.StringIO()
    kpi_output.FORMATS["html"].write(rep, Out(page))
    html = page.getvalue()
    assert "<th>gross\nprofit</th>" in html and "450,000" in html and "500%" in html
    assert "<h2>ROI by channel</h2>" in html and html.count("<svg") == 5

    target = tmp_path / "later.xlsx"
    fmt = kpi_output.FORMATS["xlsx"]
    with atomic_write(target) as fh:
        fmt.write(rep, Out(fh))
    head, *rows = read_xlsx(target).rows("KPIs")
    cols = [c.value for c in head]
    for name, value, number_format in (("gross profit", 450_000, "#,##0"), ("ROI", 5.0, "0%"),
                                       ("retained", 1, "0"), ("retention", 0.5, "0%"),
                                       ("coverage", 0.8, "0%")):  # fmt: skip
        cell = rows[-1][cols.index(name)]
        assert (cell.value, cell.type, cell.format) == (value, "number", number_format), name


def test_one_registry_of_formats_per_report_kind() -> None:
    kinds = (kpi_output.FORMATS, route_output.ROUTE_FORMATS, route_output.STOP_FORMATS)
    offered = {name for formats in kinds for name in formats}
    assert set(report.FORMATS) == offered  # what --format offers, spelled out in report.py
    assert {n for n, f in kpi_output.FORMATS.items() if f.binary} == {"xlsx"}
    assert set(route_output.STOP_FORMATS) == {"table", "csv", "json"}


def test_empty_reports_write_every_format(
    engine: Engine, settings: Settings, tmp_path: Path, read_xlsx: Any
) -> None:
    empty = kpi_report_for(engine, settings, by="week", period="2026-11", offset_minutes=0)
    assert empty.rows == []
    for kind, formats, data in (("kpi", kpi_output.FORMATS, empty),
                                ("routes", route_output.ROUTE_FORMATS, [])):  # fmt: skip
        for name, fmt in formats.items():
            target = tmp_path / f"{kind}.{name}"
            kw: dict[str, Any] = {} if fmt.binary else {"encoding": "utf-8", "newline": ""}
            with atomic_write(target, text=not fmt.binary, **kw) as fh:
                fmt.write(data, Out(fh))
            assert target.stat().st_size > 0, (kind, name)
    book = read_xlsx(tmp_path / "kpi.xlsx")
    assert [c.value for c in book.rows("KPIs")[1][:3]] == ["total", 0, 0]
    assert len(book.charts) == 1  # the funnel; no group to chart
    assert read_xlsx(tmp_path / "routes.xlsx").charts == []
    assert "No saved routes match." in (tmp_path / "routes.html").read_text(encoding="utf-8")


def test_html_bars_go_left_of_zero_for_a_loss_and_escape_labels() -> None:
    from fieldsales.commands.report_html import bar_chart

    svg = bar_chart("ROI", ["<b>A&B</b>", "b"], [("actual", "#2e9e5b", [-50.0, 200.0], "pct")])
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in svg and "<b>" not in svg
    zero = int(svg.split('<line x1="')[1].split('"')[0])
    loss, gain = (r.split('"') for r in svg.split('<rect x="')[1:])
    assert int(loss[0]) + int(loss[4]) == zero  # the loss ends at zero
    assert int(gain[0]) == zero and int(gain[4]) == 4 * int(loss[4])
    assert "-50%" in svg and "200%" in svg
