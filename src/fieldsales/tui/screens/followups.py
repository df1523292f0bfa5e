"""Follow-ups due today and overdue, grouped by day; each one key from its account and log."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from fieldsales.i18n.labels import RESULT_LABELS
from fieldsales.services.outcomes import FollowupDay
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter


class FollowupsLoaded(Message):
    def __init__(self, days: list[FollowupDay]) -> None:
        super().__init__()
        self.days = days


class FollowupsScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("l", "log", "Log outcome", id="log_outcome"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days: list[FollowupDay] = []

    def compose(self) -> ComposeResult:
        yield Static(self.t("Follow-ups due"), id="fu-title", classes="title-bar")
        yield OptionList(id="followups")
        yield Static("", id="fu-empty", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="followups", name="follow-ups")
    def load(self) -> None:
        from fieldsales.services.outcomes import followups_due

        days = followups_due(self.fs.engine, self.fs.settings, today=self.fs.today)
        self.post_message(FollowupsLoaded(days))

    def on_followups_loaded(self, message: FollowupsLoaded) -> None:
        self.days = message.days
        self.render_list()

    def render_list(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted_option.id if options.highlighted_option else None
        options.clear_options()
        # the cells a line has: the list's width less its border, padding and scrollbar
        room = (options.size.width or self.size.width) - 6
        n = 0
        for group in self.days:
            late = (self.fs.today - group.day).days
            if late <= 0:
                when = self.t("today")
            else:
                when = self.nt("{n} day overdue", "{n} days overdue", late)
            head = Text(
                f"{group.day.isoformat()}  {when}", style="bold red" if late > 0 else "bold"
            )
            options.add_option(Option(head, disabled=True))
            for item in group.items:
                n += 1
                line = Text("   ")
                line.append(item.company + (f" {item.site}" if item.site else ""), style="bold")
                if item.phone:
                    line.append(f"  ☎ {item.phone}")
                if item.last_result:
                    line.append(f"  {self.label(RESULT_LABELS, item.last_result)}", style="dim")
                if item.next_action:
                    action = f"→ {item.next_action}"
                    # on one line when it fits, else under the company (never wrapped mid-line)
                    if line.cell_len + 2 + cell_len(action) <= room:
                        line.append("  " + action, style="cyan")
                    else:
                        line.append("\n      " + action, style="cyan")
                line.no_wrap, line.overflow = True, "ellipsis"
                options.add_option(Option(line, id=item.account_id))
        self.query_one("#fu-title", Static).update(
            f"[b]{self.t('Follow-ups due')}[/b]   {self.nt('{n} follow-up due or overdue', '{n} follow-ups due or overdue', n)}"
        )
        empty = self.query_one("#fu-empty", Static)
        empty.update(self.t("Nothing due today. Well done.") if n == 0 else "")
        empty.display = n == 0
        if highlighted is not None:
            try:
                options.highlighted = options.get_option_index(highlighted)
            except Exception:  # the follow-up was done: it left the list
                options.highlighted = None
        if options.highlighted is None:
            first = next(
                (
                    i
                    for i in range(options.option_count)
                    if not options.get_option_at_index(i).disabled
                ),
                None,
            )
            options.highlighted = first

    def current_id(self) -> str | None:
        opt = self.query_one(OptionList).highlighted_option
        return opt.id if opt is not None and not opt.disabled else None

    @on(OptionList.OptionSelected)
    def open_account(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            from fieldsales.tui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(event.option.id))

    def action_log(self) -> None:
        account_id = self.current_id()
        if account_id is None:
            return
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        def done(_: Any) -> None:
            self.load()

        self.app.push_screen(LogOutcomeScreen(account_id), done)

    def action_reload(self) -> None:
        self.load()

    def account_changed(self, account_id: str) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.days:
            self.call_after_refresh(self.render_list)

    def apply_language(self) -> None:
        self.translate()
        self.render_list()
