"""Closed weekdays and opening hours of one account: a small modal from the detail screen.

`HoursScreen(...)` dismisses with the names of the fields that changed (None
when cancelled). The two inputs take what a rep types (土日, Sat,Sun, 9:00～17:00,
9時～17時); a value that cannot be read keeps the dialog open with the reason
on one line. Saving runs in a worker; a failure keeps everything typed.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from fieldsales.domain.calendar import (
    closed_weekday_set,
    format_hours,
    parse_closed_weekdays,
    parse_hours,
)
from fieldsales.i18n import NP_
from fieldsales.i18n.labels import WEEKDAYS
from fieldsales.tui.i18n import tr
from fieldsales.tui.screens.base import FormModal
from fieldsales.tui.widgets.text_input import TextInput


def weekdays_text(closed_weekdays: str | None, lang: str) -> str:
    """The stored "5,6" as the rep reads it: "Sat,Sun" / "土・日" (empty when none)."""
    try:
        days = sorted(closed_weekday_set(closed_weekdays))
    except ValueError:
        return closed_weekdays or ""  # shown as stored rather than hidden
    return tr(NP_("weekday separator", ","), lang).join(tr(WEEKDAYS[d], lang) for d in days)


class HoursSaved(Message):
    def __init__(self, changed: list[str]) -> None:
        super().__init__()
        self.changed = changed


class HoursScreen(FormModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(
        self,
        account_id: str,
        company: str,
        closed_weekdays: str | None,
        opens_at: str | None,
        closes_at: str | None,
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.company = company
        self.initial = (closed_weekdays, opens_at, closes_at)

    def compose(self) -> ComposeResult:
        closed, opens, closes = self.initial
        with Vertical(id="hours-dialog", classes="dialog"):
            yield Static(
                self.t("Closed days and opening hours: {company}", company=self.company),
                classes="dialog-title",
            )
            with Grid(id="hours-fields"):
                yield Label(self.t("Closed weekdays (定休日)"))
                yield TextInput(
                    weekdays_text(closed, self.lang),
                    placeholder=self.t("e.g. Sat,Sun or 土日; empty: open every day"),
                    id="closed-days",
                )
                yield Label(self.t("Opening hours (受付時間)"))
                yield TextInput(
                    format_hours(opens, closes) or "",
                    placeholder=self.t("e.g. 9:00-17:00; empty: any time"),
                    id="opening-hours",
                )
            yield Static(
                self.t(
                    "Holidays and the company's closed dates are never planned; no need to list them."
                ),
                classes="hint",
            )
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save") + " (Ctrl+S)", variant="primary", id="save")
                yield Button(self.t("Cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#closed-days", Input).focus()

    def collect(self) -> dict[str, str | None]:
        """The three stored fields from the inputs; ValueError with a one-line reason."""
        days_text = self.query_one("#closed-days", Input).value
        hours_text = self.query_one("#opening-hours", Input).value
        try:
            closed = parse_closed_weekdays(days_text) or None
        except ValueError as exc:
            raise ValueError(
                self.t("Closed weekdays: {reason}", text=days_text.strip(), reason=exc)
            ) from None
        opens: str | None = None
        closes: str | None = None
        if hours_text.strip():
            try:
                opens, closes = parse_hours(hours_text)
            except ValueError as exc:
                raise ValueError(
                    self.t("Opening hours: {reason}", text=hours_text.strip(), reason=exc)
                ) from None
        return {"closed_weekdays": closed, "opens_at": opens, "closes_at": closes}

    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        try:
            changes = self.collect()
        except ValueError as exc:
            error.update(str(exc))
            return
        error.update("")
        self.save(changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", name="saving hours")
    def save(self, changes: dict[str, str | None]) -> None:
        from fieldsales.services.account_card import save_account_fields

        changed = save_account_fields(self.fs.engine, self.account_id, changes)
        self.post_message(HoursSaved(changed))

    def on_hours_saved(self, message: HoursSaved) -> None:
        if message.changed:
            self.notify(self.t("Saved closed days and hours of {company}.", company=self.company))
            self.fs.account_changed(self.account_id)
        else:
            self.notify(self.t("Nothing changed."))
        self.dismiss(message.changed)

    def apply_language(self) -> None:
        self.translate()
