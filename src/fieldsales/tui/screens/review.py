"""The team lead's campaign review (issue 14 section 3, docs/method.md#kpis, #campaign-review).

The KPI table per rank, channel, reason, rep, week or month with a total row,
the funnel of the highlighted row, a bar chart of one metric per group and
the learned rates. Keys cycle each filter; Enter on a figure lists the
outcomes behind it (DrillScreen); `h` opens the route history; `d` downloads the
table as shown (Excel or CSV: the formats of `fieldsales report`), to the downloads
folder in a terminal and as a browser download under `fieldsales serve`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Static, TabbedContent, TabPane

from fieldsales.domain.rates import CHANNELS, RANKS
from fieldsales.domain.vocab import Reason
from fieldsales.i18n import N_
from fieldsales.i18n.labels import (
    CHANNEL_LABELS,
    REASON_SHORT,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_PERIODS,
    REVIEW_TABS,
)
from fieldsales.services.review import GROUPINGS, PERIODS, ReviewData, ReviewFilter, cycle
from fieldsales.tui.screens.base import BaseModal, BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter
from fieldsales.tui.widgets.kpi_view import (
    TOTAL_KEY,
    MetricChart,
    cell,
    fit_kpi_columns,
    funnel_table,
    group_label,
    kpi_columns,
    metric_value,
    rates_table,
    targets_table,
)
from fieldsales.tui.widgets.text_input import TextInput


class ReviewLoaded(Message):
    def __init__(self, data: ReviewData, asked: tuple[ReviewFilter, str] | None = None) -> None:
        super().__init__()
        self.data = data
        self.asked = asked  # the filters and grouping it was loaded for


class MonthModal(BaseModal):
    """A month typed as YYYY-MM for the period filter."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="month-dialog", classes="dialog"):
            yield Static(self.t("Period: a month"), classes="dialog-title")
            yield Label(self.t("Type a month as YYYY-MM and press Enter."))
            yield TextInput(placeholder="2026-11", id="month")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Input).focus()

    @on(Input.Submitted, "#month")
    def _submit(self) -> None:
        self.dismiss(self.query_one(Input).value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


# what `d` offers: format -> (extension, MIME type); the writers are `fieldsales report`'s
DOWNLOADS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv"),
}


class ReportReady(Message):
    def __init__(self, data: bytes, filename: str, mime_type: str) -> None:
        super().__init__()
        self.data, self.filename, self.mime_type = data, filename, mime_type


class DownloadModal(BaseModal):
    """The format the report downloads in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "pick('xlsx')", "Excel", id="download_xlsx"),
        Binding("c", "pick('csv')", "CSV", id="download_csv"),
        Binding("escape", "pick('')", "Cancel", id="cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="download-dialog", classes="dialog"):
            yield Static(self.t("Download the report"), classes="dialog-title")
            yield Label(self.t("The KPI table as shown (grouping, period, filters): which format?"))
            with Horizontal(classes="buttons"):
                yield Button(self.t("Excel") + " (x)", variant="primary", id="xlsx")
                yield Button(self.t("CSV") + " (c)", id="csv")

    def action_pick(self, fmt: str) -> None:
        self.dismiss(fmt or None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


def report_filename(data: ReviewData, ext: str) -> str:
    """kpi-rank-2026-11.xlsx, kpi-week-all.csv: what and when, safe in any folder and URL."""
    period = (data.report.period or "all").replace("..", "_")
    return f"kpi-{data.by}-{period}.{ext}"


def report_bytes(data: ReviewData, fmt: str) -> bytes:
    """The report in `fmt` as `fieldsales report --format FMT` writes it."""
    import io

    from fieldsales.commands.kpi_output import FORMATS
    from fieldsales.commands.report_format import Out

    if FORMATS[fmt].binary:
        raw = io.BytesIO()
        FORMATS[fmt].write(data.report, Out(raw))
        return raw.getvalue()
    text = io.StringIO(newline="")
    FORMATS[fmt].write(data.report, Out(text))
    return text.getvalue().encode("utf-8")  # the CSV writer starts with the BOM


class ReviewScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("g", "group", "Group by", id="review_group"),
        Binding("w", "period", "Period", id="review_period"),
        Binding("y", "month", "Month…", id="review_month", show=False),
        Binding("e", "rep", "Rep", id="review_rep", show=False),
        Binding("k", "rank", "Rank", id="review_rank", show=False),
        Binding("c", "channel", "Channel", id="review_channel", show=False),
        Binding("n", "reason", "Reason", id="review_reason", show=False),
        Binding("x", "clear", "Clear filters", id="review_clear", show=False),
        Binding("m", "metric", "Metric", id="review_metric"),
        Binding("1", "tab('tab-kpi')", "KPIs", id="review_tab_kpi", show=False),
        Binding("2", "tab('tab-chart')", "Chart", id="review_tab_chart", show=False),
        Binding("3", "tab('tab-rates')", "Learned rates", id="review_tab_rates", show=False),
        Binding("4", "tab('tab-targets')", "Targets", id="review_tab_targets", show=False),
        Binding("h", "routes", "Routes", id="review_routes"),
        Binding("d", "download", "Download", id="review_download"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = ReviewFilter()
        self.by = "rank"
        self.metric = "reactivation_rate"
        self.data: ReviewData | None = None
        self.funnel_key = TOTAL_KEY

    def compose(self) -> ComposeResult:
        yield Static(id="rv-title", classes="title-bar")
        yield Static(id="rv-filters", classes="muted")
        with TabbedContent(id="rv-tabs"):
            with TabPane(self.t("1 KPIs"), id="tab-kpi"), VerticalScroll():
                yield DataTable(id="kpi-table", cursor_type="cell", zebra_stripes=True)
                yield Static(id="funnel")
            with TabPane(self.t("2 Chart"), id="tab-chart"):
                yield Static(id="chart-title", classes="section")
                yield MetricChart(id="chart", allow_pan_and_zoom=False)
            with TabPane(self.t("3 Learned rates"), id="tab-rates"), VerticalScroll():
                yield Static(id="rates")
            with TabPane(self.t("4 Targets"), id="tab-targets"), VerticalScroll():
                yield Static(id="targets")
        yield Static(id="rv-empty", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rv-empty").display = False
        self.query_one("#kpi-table").focus()
        self.render_filters()
        self.load()

    # -- data -----------------------------------------------------------------
    def load(self) -> None:
        self.query_one("#rv-tabs").loading = True
        self._load(self.filters, self.by)

    @work(thread=True, exclusive=True, exit_on_error=False, group="review", name="review")
    def _load(self, filters: ReviewFilter, by: str) -> None:
        from fieldsales.services.kpi_report import local_offset_minutes
        from fieldsales.services.review import review_data

        data = review_data(
            self.fs.engine,
            self.fs.settings,
            by=by,
            filters=filters,
            today=self.fs.today,
            offset_minutes=local_offset_minutes(self.fs.settings.zone()),
        )
        self.post_message(ReviewLoaded(data, (filters, by)))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        if message.asked is not None and message.asked != (self.filters, self.by):
            # a load the rep has already moved past (w pressed twice): its figures
            # would show under the new period's title; the newer load follows
            return
        self.data = message.data
        self.query_one("#rv-tabs").loading = False
        self.render_all()
        self.call_after_refresh(self._underline_active_tab)
        # the loading indicator took the focus away from the table
        if self.focused is None and self.query_one(TabbedContent).active == "tab-kpi":
            self.query_one("#kpi-table").focus()

    def _underline_active_tab(self) -> None:
        """Place the tab underline under the active tab once the tabs are laid out
        again. Textual's Tabs places it when the tabs mount or resize; while the
        figures load, the tabs are under the loading indicator, and the place it
        measured then (no width) stayed: the underline showed under no tab."""
        from textual.widgets import Tabs

        tabs = self.query_one(TabbedContent).query_one(Tabs)
        tabs._highlight_active(animate=False)  # Textual's own placing of it

    def on_worker_state_changed(self, event: Any) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "review" and event.worker.is_finished and self.data is None:
            self.query_one("#rv-tabs").loading = False

    # -- rendering --------------------------------------------------------------
    def render_all(self) -> None:
        self.render_filters()
        data = self.data
        if data is None:
            return
        empty = self.query_one("#rv-empty", Static)
        nothing = data.report.total.contacted == 0
        if nothing:
            key = (
                N_("No outcomes logged yet: open an account and press l, or run `fieldsales log`.")
                if not data.reps
                else N_(
                    "Nothing logged for this period and these filters: w changes the period, x clears the filters."
                )
            )
            empty.update(self.t(key))
        empty.display = nothing
        self.query_one("#rv-tabs").display = not nothing
        self.query_one("#targets", Static).update(targets_table(data.campaign, self.lang))
        if nothing:
            return
        self.render_table()
        self.render_funnel()
        self.render_chart()
        strength = self.fs.settings.roi.prior_strength
        self.query_one("#rates", Static).update(rates_table(data.rates, self.lang, strength))

    def render_filters(self) -> None:
        f, data = self.filters, self.data
        when = ""
        if data is not None and data.first_day is not None and data.last_day is not None:
            when = f"  {data.first_day.isoformat()} – {data.last_day.isoformat()}"
        self.query_one("#rv-title", Static).update(
            f"[b]{self.t('Campaign review')}[/b]   {self.t('By')}: [b]{self.label(REVIEW_GROUPS, self.by)}[/b]"
            f"   {self.period_label()}{when}"
        )
        every = self.t("all")
        parts = [
            ("w", self.t("period"), self.period_label()),
            ("e", self.t("rep"), f.rep or every),
            ("k", self.t("rank"), f.rank or every),
            ("c", self.t("channel"), self.label(CHANNEL_LABELS, f.channel) if f.channel else every),
            ("n", self.t("reason"), self.label(REASON_SHORT, f.reason) if f.reason else every),
        ]
        text = "  ".join(
            f"[b]{key}[/b] {name}: " + (f"[b cyan]{value}[/]" if value != every else value)
            for key, name, value in parts
        )
        self.query_one("#rv-filters", Static).update(text)

    def period_label(self) -> str:
        p = self.filters.period
        return self.label(REVIEW_PERIODS, p) if p in PERIODS else p

    def render_table(self) -> None:
        """The KPI table with the columns that fit the screen's width (fit_kpi_columns)."""
        from rich.cells import cell_len

        assert self.data is not None
        table = self.query_one("#kpi-table", DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        report = self.data.report
        rows = []
        for row in [*report.rows, report.total]:
            key = TOTAL_KEY if row is report.total else row.group
            cells = {n: cell(getattr(row, n), kind) for n, kind in kpi_columns()}
            rows.append((key, group_label(self.by, key, self.lang), cells))
        titles = {n: self.label(REVIEW_COLUMNS, n) for n, _ in kpi_columns()}
        widths = {
            n: max(cell_len(t), *(cell_len(r[2][n]) for r in rows)) for n, t in titles.items()
        }
        group_title = self.label(REVIEW_GROUPS, self.by)
        group_width = max(cell_len(group_title), *(cell_len(r[1]) for r in rows))
        room = (table.size.width or self.size.width) - 2  # the vertical scrollbar
        shown = fit_kpi_columns(widths, group_width, room)
        table.add_column(group_title, key="group")
        for name in shown:
            table.add_column(Text(titles[name], justify="right"), key=name)
        for key, label, cells in rows:
            style = "bold" if key == TOTAL_KEY else ""
            table.add_row(
                Text(label, style=style),
                *(Text(cells[n], justify="right") for n in shown),
                key=key,
            )
        table.move_cursor(row=where.row, column=min(where.column, len(shown)))

    def on_resize(self) -> None:
        if self.data is not None:
            self.call_after_refresh(self.render_table)

    def _row(self, key: str) -> Any:
        assert self.data is not None
        report = self.data.report
        return next((r for r in report.rows if r.group == key), report.total)

    def render_funnel(self) -> None:
        if self.data is None:
            return
        row = self._row(self.funnel_key)
        title = self.t(
            "Funnel: {group}  (↑↓ another row, Enter: the outcomes behind a figure)",
            group=group_label(self.by, self.funnel_key, self.lang),
        )
        funnel = funnel_table(row, self.lang)
        self.query_one("#funnel", Static).update(Group(Text(title, style="bold"), funnel))

    def render_chart(self) -> None:
        if self.data is None:
            return
        kind = dict(kpi_columns())[self.metric]
        rows = self.data.report.rows
        labels = [group_label(self.by, r.group, self.lang) for r in rows]
        values = [metric_value(r, self.metric, kind) for r in rows]
        unit = " (%)" if kind == "pct" else (self.t(" (JPY)") if kind == "yen" else "")
        self.query_one("#chart-title", Static).update(
            self.t(
                "{metric} per {group}   (m: another metric)",
                metric=self.label(REVIEW_COLUMNS, self.metric) + unit,
                group=self.label(REVIEW_GROUPS, self.by),
            )
        )
        self.query_one(MetricChart).show(labels, values)

    # -- events -------------------------------------------------------------
    @on(DataTable.CellHighlighted, "#kpi-table")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        key = event.cell_key.row_key.value
        if key is not None and key != self.funnel_key:
            self.funnel_key = key
            self.render_funnel()

    @on(DataTable.CellSelected, "#kpi-table")
    def _selected(self, event: DataTable.CellSelected) -> None:
        from fieldsales.tui.screens.drill import DrillScreen

        row_key, column_key = event.cell_key.row_key.value, event.cell_key.column_key.value
        if row_key is None or column_key is None:
            return
        key = None if row_key == TOTAL_KEY else row_key
        label = group_label(self.by, row_key, self.lang)
        self.app.push_screen(DrillScreen(self.filters, self.by, key, column_key, label))

    # -- actions ------------------------------------------------------------
    def _refilter(self, **changes: Any) -> None:
        self.filters = replace(self.filters, **changes)
        self.load()
        self.render_filters()

    def action_group(self) -> None:
        self.by = str(cycle(GROUPINGS, self.by))
        self.funnel_key = TOTAL_KEY
        self.load()

    def action_period(self) -> None:
        self._refilter(period=cycle(PERIODS, self.filters.period))

    def action_month(self) -> None:
        from fieldsales.services.review import with_period
        from fieldsales.services.route_report import ReportError

        def done(month: Any) -> None:
            if not isinstance(month, str):
                return
            try:
                self.filters = with_period(self.filters, month, self.fs.today)
            except ReportError:
                self.notify(
                    self.t("“{text}” is not a month: type it as YYYY-MM (2026-11).", text=month),
                    severity="error",
                )
                return
            self.load()

        self.app.push_screen(MonthModal(), done)

    def action_rep(self) -> None:
        reps = self.data.reps if self.data else []
        self._refilter(rep=cycle([None, *reps], self.filters.rep))

    def action_rank(self) -> None:
        self._refilter(rank=cycle([None, *RANKS], self.filters.rank))

    def action_channel(self) -> None:
        self._refilter(channel=cycle([None, *CHANNELS, "other"], self.filters.channel))

    def action_reason(self) -> None:
        self._refilter(reason=cycle([None, *(r.value for r in Reason)], self.filters.reason))

    def action_clear(self) -> None:
        self._refilter(rep=None, rank=None, channel=None, reason=None)

    def action_metric(self) -> None:
        names = [n for n, _ in kpi_columns()]
        self.metric = str(cycle(names, self.metric))
        self.render_chart()
        self.query_one(TabbedContent).active = "tab-chart"

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "tab-kpi":
            self.query_one("#kpi-table").focus()

    def action_routes(self) -> None:
        from fieldsales.tui.screens.routes import RoutesScreen

        self.app.push_screen(RoutesScreen(self.filters.period, self.filters.rep))

    def action_reload(self) -> None:
        self.load()

    def action_download(self) -> None:
        data = self.data
        if data is None:
            self.notify(self.t("The report is still loading; try again in a moment."))
            return

        def picked(fmt: Any) -> None:
            if fmt in DOWNLOADS:
                self._build_download(data, fmt)

        self.app.push_screen(DownloadModal(), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="download", name="download")
    def _build_download(self, data: ReviewData, fmt: str) -> None:
        from fieldsales.tui.delivery import save_download

        ext, mime_type = DOWNLOADS[fmt]
        content, filename = report_bytes(data, fmt), report_filename(data, ext)
        if self.app.is_web:  # the browser downloads it (fieldsales serve)
            self.post_message(ReportReady(content, filename, mime_type))
            return
        path = save_download(content, filename)  # FileError: the worker's one-line error
        self.app.call_from_thread(self.notify, self.t("Saved {path}", path=str(path)), timeout=8)

    def on_report_ready(self, message: ReportReady) -> None:
        from fieldsales.tui.delivery import browser_download

        browser_download(self.app, message.data, message.filename, message.mime_type)

    def account_changed(self, account_id: str) -> None:
        self.load()

    def apply_language(self) -> None:
        self.translate()
        tabs = self.query_one(TabbedContent)
        for pane in ("kpi", "chart", "rates", "targets"):
            tabs.get_tab(f"tab-{pane}").label = self.label(REVIEW_TABS, pane)
        self.render_filters()
        self.render_all()
