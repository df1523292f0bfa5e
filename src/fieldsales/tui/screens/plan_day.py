"""Choosing the day to plan: a small modal with a date field and quick choices.

`DayPickerScreen(today, current, next_working)` dismisses with the chosen date,
or None when cancelled. The field takes YYYY-MM-DD (or YYYY/MM/DD) and `+N`
for N days from today, like the follow-up field of the log form.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from fieldsales.i18n import N_
from fieldsales.services.outcome_form import OutcomeError, parse_day
from fieldsales.tui.screens.base import BaseModal
from fieldsales.tui.widgets.text_input import TextInput


class DayPickerScreen(BaseModal):
    DEFAULT_CSS = """
    DayPickerScreen { align: center middle; }
    DayPickerScreen > Vertical {
        width: 60; height: auto; padding: 1 2; border: round $primary; background: $surface;
    }
    DayPickerScreen Horizontal { height: auto; }
    DayPickerScreen Button { margin: 1 1 0 0; min-width: 8; }
    DayPickerScreen #pick-error { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="cancel"),
    ]

    def __init__(self, *, today: date, current: date, next_working: date) -> None:
        super().__init__()
        self.today, self.current, self.next_working = today, current, next_working

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.t("Day to plan"))
            yield TextInput(
                value=self.current.isoformat(), placeholder="YYYY-MM-DD", id="pick-date"
            )
            yield Static(
                self.t("YYYY-MM-DD or +N (days from today), Enter · Esc cancels"), id="pick-hint"
            )
            yield Static("", id="pick-error")
            with Horizontal():
                yield Button(self.t("Today"), id="pick-today")
                yield Button(self.t("Tomorrow"), id="pick-tomorrow")
                yield Button(self.t("Next working day"), id="pick-next")

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#pick-date", Input)
        field.focus()
        field.action_select_all()

    @on(Input.Submitted, "#pick-date")
    def submitted(self, event: Input.Submitted) -> None:
        try:
            day = parse_day(event.value, self.today, "day", N_("{text}: not a date (YYYY-MM-DD)"))
        except OutcomeError:
            day = None
        if day is None:
            self.query_one("#pick-error", Static).update(
                self.t("{text}: not a date (YYYY-MM-DD)", text=event.value.strip() or "-")
            )
            return
        self.dismiss(day)

    @on(Button.Pressed, "#pick-today")
    def pick_today(self) -> None:
        self.dismiss(self.today)

    @on(Button.Pressed, "#pick-tomorrow")
    def pick_tomorrow(self) -> None:
        self.dismiss(self.today + timedelta(days=1))

    @on(Button.Pressed, "#pick-next")
    def pick_next(self) -> None:
        self.dismiss(self.next_working)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
