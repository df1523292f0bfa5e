"""The route history (issue 14 section 2): planned against actual ROI per saved route;
Enter opens a route's stops and their outcomes, and Enter on a stop the account."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldsales.domain.clock import local_date
from fieldsales.i18n.labels import (
    CHANNEL_LABELS,
    RESULT_LABELS,
    REVIEW_PERIODS,
    ROUTE_COLUMNS,
    ROUTE_STOP_COLUMNS,
    ROUTE_STOP_STATUS,
)
from fieldsales.services.review import PERIODS, cycle, period_spec
from fieldsales.services.route_report import RouteDetail, RouteRow
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.screens.drill import account_width, widest
from fieldsales.tui.widgets.fit_footer import FitFooter


def _roi(value: float | None) -> Text:
    if value is None:
        return Text("–", justify="right")
    return Text(f"{value:,.0f}%", style="green" if value >= 0 else "red", justify="right")


def _num(value: int | None) -> Text:
    return Text("–" if value is None else f"{value:,}", justify="right")


class RoutesLoaded(Message):
    def __init__(self, rows: list[RouteRow]) -> None:
        super().__init__()
        self.rows = rows


class RoutesScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("w", "period", "Period", id="review_period"),
        Binding("e", "rep", "Rep", id="review_rep"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(self, period: str = "this_month", rep: str | None = None) -> None:
        super().__init__()
        self.period, self.rep = period, rep
        self.rows: list[RouteRow] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="rt-title", classes="title-bar")
        yield DataTable(id="routes-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="rt-empty", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rt-empty").display = False
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        self.query_one(DataTable).loading = True
        self._load(self.period)

    @work(thread=True, exclusive=True, exit_on_error=False, group="routes", name="route history")
    def _load(self, period: str) -> None:
        from fieldsales.services.route_report import route_rows

        spec = period_spec(period, self.fs.today)
        self.post_message(RoutesLoaded(route_rows(self.fs.engine, self.fs.settings, period=spec)))

    def on_routes_loaded(self, message: RoutesLoaded) -> None:
        self.rows = message.rows
        self.query_one(DataTable).loading = False
        self.render_all()

    def shown(self) -> list[RouteRow]:
        return [r for r in self.rows or [] if self.rep is None or r.rep == self.rep]

    def render_all(self) -> None:
        period = self.label(REVIEW_PERIODS, self.period) if self.period in PERIODS else self.period
        rep = self.rep or self.t("all")
        self.query_one("#rt-title", Static).update(
            f"[b]{self.t('Route history')}[/b]   [b]w[/b] {self.t('period')}: {period}"
            f"   [b]e[/b] {self.t('rep')}: {rep}"
        )
        if self.rows is None:
            return
        table = self.query_one(DataTable)
        where = table.cursor_row
        table.clear(columns=True)
        for name in ("date", "rep", "stops", "km", "planned_roi", "actual_roi", "revenue",
                     "reactivations"):  # fmt: skip
            table.add_column(self.label(ROUTE_COLUMNS, name), key=name)
        rows = self.shown()
        for r in rows:
            table.add_row(
                r.day.isoformat(),
                r.rep,
                Text(f"{r.stops_visited}/{r.stops_planned}", justify="right"),
                Text(f"{r.km:.1f}", justify="right"),
                _roi(r.planned_roi_pct),
                _roi(r.actual_roi_pct),
                _num(r.actual_revenue),
                _num(r.reactivations),
                key=r.route_id,
            )
        table.move_cursor(row=where)
        empty = self.query_one("#rt-empty", Static)
        empty.update(self.t("No saved route in this period: w changes the period."))
        empty.display = not rows
        table.display = bool(rows)

    @on(DataTable.RowSelected, "#routes-table")
    def open_route(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(RouteStopsScreen(event.row_key.value))

    def action_period(self) -> None:
        self.period = str(cycle(PERIODS, self.period))
        self.load()
        self.render_all()

    def action_rep(self) -> None:
        reps = sorted({r.rep for r in self.rows or []})
        self.rep = cycle([None, *reps], self.rep)
        self.render_all()

    def action_reload(self) -> None:
        self.load()

    def account_changed(self, account_id: str) -> None:
        self.load()

    def apply_language(self) -> None:
        self.translate()
        self.render_all()


class RouteLoaded(Message):
    def __init__(self, detail: RouteDetail) -> None:
        super().__init__()
        self.detail = detail


class RouteStopsScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(self, route_id: str) -> None:
        super().__init__()
        self.route_id = route_id
        self.detail: RouteDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="rs-title", classes="title-bar")
        yield Static(id="rs-figures", classes="muted")
        yield DataTable(id="stops-table", cursor_type="row", zebra_stripes=True)
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        self.query_one(DataTable).loading = True
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="route", name="route")
    def _load(self) -> None:
        from fieldsales.services.route_report import route_detail

        detail = route_detail(self.fs.engine, self.fs.settings, self.route_id)
        self.post_message(RouteLoaded(detail))

    def on_route_loaded(self, message: RouteLoaded) -> None:
        self.detail = message.detail
        self.query_one(DataTable).loading = False
        self.render_all()

    def render_all(self) -> None:
        if self.detail is None:
            return
        r = self.detail.row
        self.query_one("#rs-title", Static).update(
            f"[b]{self.t('Route')}[/b]   {r.day.isoformat()}  {r.rep}"
        )
        planned = "–" if r.planned_roi_pct is None else f"{r.planned_roi_pct:,.0f}%"
        actual = "–" if r.actual_roi_pct is None else f"{r.actual_roi_pct:,.0f}%"
        self.query_one("#rs-figures", Static).update(
            self.t(
                "Visited {visited}/{planned}  {km} km  planned ROI {planned_roi}  actual ROI {actual_roi}  revenue {revenue}  reactivations {reactivations}",
                visited=r.stops_visited,
                planned=r.stops_planned,
                km=f"{r.km:.1f}",
                planned_roi=planned,
                actual_roi=actual,
                revenue=f"{r.actual_revenue:,}",
                reactivations=r.reactivations,
            )
        )
        table = self.query_one(DataTable)
        where = table.cursor_row
        table.clear(columns=True)
        names = ("seq", "account", "status", "date", "channel", "result", "amount", "cost")
        rows = [
            (
                f"{i}:{s.account_id}",
                [
                    Text(str(s.seq), justify="right"),
                    s.company + (f" {s.site}" if s.site else ""),
                    self.label(ROUTE_STOP_STATUS, s.stop_status),
                    local_date(s.occurred_at, self.fs.settings.zone()).isoformat()
                    if s.occurred_at
                    else "–",
                    self.label(CHANNEL_LABELS, s.channel) if s.channel else "–",
                    self.label(RESULT_LABELS, s.result) if s.result else "–",
                    _num(s.order_amount),
                    _num(s.cost),
                ],
            )
            for i, s in enumerate(self.detail.stops)
        ]
        titles = [self.label(ROUTE_STOP_COLUMNS, name) for name in names]
        others = [
            widest(titles[i], [cells[i] for _, cells in rows]) for i in range(len(names)) if i != 1
        ]
        width = account_width(table.size.width or self.size.width, others)
        for name, title in zip(names, titles, strict=True):
            table.add_column(title, key=name, width=width if name == "account" else None)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        table.move_cursor(row=where)

    @on(DataTable.RowSelected, "#stops-table")
    def open_account(self, event: DataTable.RowSelected) -> None:
        from fieldsales.tui.screens.detail import DetailScreen

        if event.row_key.value:
            self.app.push_screen(DetailScreen(event.row_key.value.partition(":")[2]))

    def action_reload(self) -> None:
        self.load()

    def account_changed(self, account_id: str) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.detail is not None:
            self.call_after_refresh(self.render_all)

    def apply_language(self) -> None:
        self.translate()
        self.render_all()
