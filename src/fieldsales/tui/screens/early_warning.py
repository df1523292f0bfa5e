"""Early warning (docs/method.md#churn-signs): accounts slipping before they go
dormant, the signs that fired, P(alive), the trend of their orders and the
channel to start with; Enter opens the account, `l` logs as from the list."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from fieldsales.i18n.labels import CHANNEL_LABELS, SIGN_LABELS, STAGE_LABELS
from fieldsales.services.early_warning import WatchRow
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter


class WatchLoaded(Message):
    def __init__(self, rows: list[WatchRow]) -> None:
        super().__init__()
        self.rows = rows


class EarlyWarningScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("l", "log", "Log outcome", id="log_outcome"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[WatchRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(self.t("Early warning"), id="ew-title", classes="title-bar")
        yield OptionList(id="ew-list")
        with Vertical(id="ew-detail"):
            yield Static("", id="ew-facts")
            yield Sparkline([], id="ew-trend")
            yield Static("", id="ew-trend-caption", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="early_warning",
        name="early warning",
    )
    def load(self) -> None:
        from fieldsales.services.early_warning import watch_rows

        ranked = self.fs.ranked
        rows = watch_rows(ranked, self.fs.settings.churn.trend_months) if ranked else []  # type: ignore[arg-type]
        self.post_message(WatchLoaded(rows))

    def on_watch_loaded(self, message: WatchLoaded) -> None:
        self.rows = message.rows
        self.loaded = True
        self.render_list()

    def _percent(self, value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    def render_list(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        for row in self.rows:
            line = Text(no_wrap=True, overflow="ellipsis")  # one line per account
            line.append(f" {row.rank} ", style="bold")
            line.append(row.company + (f" {row.site}" if row.site else ""), style="bold")
            line.append(f"  {self.label(STAGE_LABELS, row.stage)}", style="yellow")
            line.append(f"  P(alive) {self._percent(row.p_alive)}")
            if row.signs:
                signs = ", ".join(self.label(SIGN_LABELS, s) for s in row.signs)
                line.append(f"  {signs}", style="red")
            options.add_option(Option(line, id=row.account_id))
        n = len(self.rows)
        count = self.nt("{n} account slipping", "{n} accounts slipping", n)
        self.query_one("#ew-title", Static).update(f"[b]{self.t('Early warning')}[/b]   {count}")
        if highlighted is not None:
            try:
                options.highlighted = options.get_option_index(highlighted)
            except Exception:  # no longer on the list
                options.highlighted = None
        if options.highlighted is None and n:
            options.highlighted = 0
        self.show_detail()

    def current(self) -> WatchRow | None:
        opt = self.query_one(OptionList).highlighted_option
        if opt is None:
            return None
        return next((r for r in self.rows if r.account_id == opt.id), None)

    @on(OptionList.OptionHighlighted)
    def highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        row = self.current()
        facts = self.query_one("#ew-facts", Static)
        trend = self.query_one("#ew-trend", Sparkline)
        caption = self.query_one("#ew-trend-caption", Static)
        if row is None:
            empty = self.t("No account shows signs of slipping.") if self.loaded else ""
            facts.update(empty)
            trend.data = []
            caption.update("")
            return
        signs = ", ".join(self.label(SIGN_LABELS, s) for s in row.signs) or "–"
        lines = [
            f"[b]{self.t('Signs')}[/b]: {signs}",
            f"[b]P(alive)[/b]: {self._percent(row.p_alive)}   "
            + self.t(
                "expected orders, next {days} days: {n}",
                days=f"{self.fs.settings.clv.horizon_days:g}",
                n="–" if row.expected_orders is None else f"{row.expected_orders:.1f}",
            ),
            f"[b]{self.t('Last order')}[/b]: {row.last_order.isoformat() if row.last_order else '–'}   "
            + self.t(
                "usual interval: {days} days",
                days="–" if row.interval_days is None else f"{row.interval_days:.0f}",
            ),
            f"[b]{self.t('Start with')}[/b]: {self.label(CHANNEL_LABELS, row.channel)}",
        ]
        facts.update("\n".join(lines))
        trend.data = row.monthly
        caption.update(
            self.t(
                "Orders per month, the last {n} months (total {total} yen)",
                n=len(row.monthly),
                total=f"{sum(row.monthly):,.0f}",
            )
        )

    @on(OptionList.OptionSelected)
    def open_account(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            from fieldsales.tui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(event.option.id))

    def action_log(self) -> None:
        row = self.current()
        if row is None:
            return
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        def done(_: Any) -> None:
            self.load()

        self.app.push_screen(LogOutcomeScreen(row.account_id), done)

    def action_reload(self) -> None:
        self.load()

    def account_changed(self, account_id: str) -> None:
        self.load()

    def apply_language(self) -> None:
        self.translate()
        self.render_list()
