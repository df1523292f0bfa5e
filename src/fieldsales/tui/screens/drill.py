"""The outcomes behind one figure of the review; Enter opens the account."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldsales.domain.clock import local_date
from fieldsales.i18n.labels import CHANNEL_LABELS, DRILL_COLUMNS, RESULT_LABELS, REVIEW_COLUMNS
from fieldsales.services.kpi_drill import Drill
from fieldsales.services.review import ReviewFilter
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter

ACCOUNT_WIDTH = 26  # the account column's cells when the width is not known yet
MIN_ACCOUNT, MAX_ACCOUNT = 10, 40


def account_width(table_width: int, others: list[int]) -> int:
    """The account column's cells: what the other columns (their widest cells,
    two cells of padding each) and the scrollbar leave, kept between MIN_ACCOUNT
    and MAX_ACCOUNT, so that the result and amount stay on an 80-column screen
    and long names show whole on a wide one."""
    if table_width <= 0:
        return ACCOUNT_WIDTH
    room = table_width - sum(w + 2 for w in others) - 2 - 2
    return max(MIN_ACCOUNT, min(MAX_ACCOUNT, room))


def widest(title: str, cells: list[Any]) -> int:
    """The widest of a column's title and cells, in terminal cells."""
    return max([cell_len(title)] + [cell_len(str(c)) for c in cells])


class DrillLoaded(Message):
    def __init__(self, drill: Drill) -> None:
        super().__init__()
        self.drill = drill


class DrillScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(
        self, filters: ReviewFilter, by: str, key: str | None, metric: str, group_label: str
    ) -> None:
        super().__init__()
        self.filters, self.by, self.key, self.metric = filters, by, key, metric
        self.group_label = group_label
        self.drill: Drill | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="dr-title", classes="title-bar")
        yield Static(id="dr-summary", classes="muted")
        yield DataTable(id="drill-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="dr-empty", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#dr-empty").display = False
        self.query_one(DataTable).focus()
        self.render_title()
        self.load()

    def load(self) -> None:
        self.query_one(DataTable).loading = True
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill", name="drill-down")
    def _load(self) -> None:
        from fieldsales.services.kpi_drill import drill_for
        from fieldsales.services.kpi_report import local_offset_minutes

        drill = drill_for(
            self.fs.engine,
            self.fs.settings,
            metric=self.metric,
            by=self.by,
            key=self.key,
            filters=self.filters,
            today=self.fs.today,
            offset_minutes=local_offset_minutes(self.fs.settings.zone()),
        )
        self.post_message(DrillLoaded(drill))

    def on_drill_loaded(self, message: DrillLoaded) -> None:
        self.drill = message.drill
        self.query_one(DataTable).loading = False
        self.render_all()

    def render_title(self) -> None:
        metric = (
            self.label(REVIEW_COLUMNS, self.metric)
            if self.metric != "group"
            else self.t("Contacted")
        )
        self.query_one("#dr-title", Static).update(
            f"[b]{self.t('Outcomes behind')}[/b]   {metric} · {self.group_label}"
        )

    def render_all(self) -> None:
        self.render_title()
        drill = self.drill
        if drill is None:
            return
        accounts = len({r.account_id for r in drill.rows})
        summary = self.t(
            "{n:,} outcomes of {accounts:,} accounts.", n=drill.total, accounts=accounts
        )
        if drill.total > len(drill.rows):
            summary += "  " + self.t("Showing the newest {n:,}.", n=len(drill.rows))
        self.query_one("#dr-summary", Static).update(
            summary + "  " + self.t("Enter: open the account  ★ reactivation")
        )
        table = self.query_one(DataTable)
        where = table.cursor_row
        table.clear(columns=True)
        names = ("date", "rep", "account", "channel", "result", "amount", "cost")
        rows = []
        for r in drill.rows:
            account = r.company + (f" {r.site}" if r.site else "")
            result = Text(self.label(RESULT_LABELS, r.result))
            if r.reactivation:
                result.append(" ★", style="bold green")
            rows.append(
                (
                    r.outcome_id,
                    [
                        local_date(r.occurred_at, self.fs.settings.zone()).isoformat(),
                        r.rep,
                        account,
                        self.label(CHANNEL_LABELS, r.channel),
                        result,
                        Text(
                            "–" if r.order_amount is None else f"{r.order_amount:,}",
                            justify="right",
                        ),
                        Text("–" if r.cost is None else f"{r.cost:,}", justify="right"),
                    ],
                )
            )
        titles = [self.label(DRILL_COLUMNS, name) for name in names]
        others = [
            widest(titles[i], [cells[i] for _, cells in rows]) for i in range(len(names)) if i != 2
        ]
        width = account_width(table.size.width or self.size.width, others)
        for name, title in zip(names, titles, strict=True):
            table.add_column(title, key=name, width=width if name == "account" else None)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        table.move_cursor(row=where)
        empty = self.query_one("#dr-empty", Static)
        empty.update(self.t("No outcome is behind this figure."))
        empty.display = not drill.rows
        table.display = bool(drill.rows)

    @on(DataTable.RowSelected, "#drill-table")
    def open_account(self, event: DataTable.RowSelected) -> None:
        from fieldsales.tui.screens.detail import DetailScreen

        if self.drill is None:
            return
        row = next((r for r in self.drill.rows if r.outcome_id == event.row_key.value), None)
        if row is not None:
            self.app.push_screen(DetailScreen(row.account_id))

    def action_reload(self) -> None:
        self.load()

    def account_changed(self, account_id: str) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.drill is not None:
            self.call_after_refresh(self.render_all)

    def apply_language(self) -> None:
        self.translate()
        self.render_all()
