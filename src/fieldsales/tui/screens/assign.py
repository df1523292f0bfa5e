"""Assign the account to a rep: a one-field modal from the detail screen (`A`).

On the team database only a lead may assign (the grants refuse a rep), and the
name is a rep's login; the reason for a refusal shows in the dialog, which
stays open. Saving runs in a worker.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from fieldsales.errors import UserError
from fieldsales.tui.screens.base import FormModal
from fieldsales.tui.widgets.text_input import TextInput


class Assigned(Message):
    def __init__(self, rep: str | None, changed: bool, error: str = "") -> None:
        super().__init__()
        self.rep = rep
        self.changed = changed
        self.error = error


class AssignScreen(FormModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, account_id: str, company: str, owner: str | None) -> None:
        super().__init__()
        self.account_id = account_id
        self.company = company
        self.owner = owner

    def compose(self) -> ComposeResult:
        with Vertical(id="assign-dialog", classes="dialog"):
            yield Static(
                self.t("Assign {company} to", company=self.company), classes="dialog-title"
            )
            yield TextInput(
                self.owner or "", placeholder=self.t("rep's login name"), id="assign-rep"
            )
            yield Static(self.t("Empty: nobody. The rep's next sync brings it."), classes="hint")
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save") + " (Ctrl+S)", variant="primary", id="save")
                yield Button(self.t("Cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#assign-rep", Input).focus()

    @on(Input.Submitted, "#assign-rep")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        rep = self.query_one("#assign-rep", Input).value.strip() or None
        self.query_one("#form-error", Static).update("")
        self.save(rep)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", name="assigning")
    def save(self, rep: str | None) -> None:
        from fieldsales.services.assign import assign

        try:
            changed = assign(self.fs.engine, [self.account_id], rep)
        except UserError as exc:
            self.post_message(Assigned(rep, False, exc.line))
            return
        self.post_message(Assigned(rep, bool(changed)))

    def on_assigned(self, message: Assigned) -> None:
        if message.error:
            self.query_one("#form-error", Static).update(message.error)
            return
        if message.changed:
            who = message.rep or self.t("nobody")
            self.notify(self.t("{company} assigned to {rep}.", company=self.company, rep=who))
            self.fs.account_changed(self.account_id)
        else:
            self.notify(self.t("Nothing changed."))
        self.dismiss(message.changed)
