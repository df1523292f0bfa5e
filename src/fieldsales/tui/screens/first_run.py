"""The first start: who the rep is and where the day starts, asked once."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from fieldsales.config import Place
from fieldsales.errors import UserError
from fieldsales.tui.screens.base import FormModal
from fieldsales.tui.widgets.text_input import TextInput


class RepDialog(FormModal):
    """Name and starting office, saved in the user's config file; dismisses with
    (rep, office) once saved, None when skipped (asked again next start)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, target: Path) -> None:
        super().__init__()
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(id="rep-dialog", classes="dialog"):
            yield Static(self.t("Welcome: who are you?"), classes="dialog-title")
            yield Label(self.t("Your name (talk scripts and call sheets say it)"))
            yield TextInput(id="rep-name")
            yield Label(self.t("Your office: a postal code or an address (found offline)"))
            yield TextInput(placeholder="100-0005", id="rep-office")
            yield Static("", id="rep-status")
            yield Static(self.t("Saved in {path}", path=str(self.target)), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save"), variant="primary", id="save")
                yield Button(self.t("Later"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#rep-name", Input).focus()

    @on(Input.Submitted, "#rep-name")
    def _next(self) -> None:
        self.query_one("#rep-office", Input).focus()

    @on(Input.Submitted, "#rep-office")
    def _submitted(self) -> None:
        self.action_save()

    def _say(self, text: str) -> None:
        self.query_one("#rep-status", Static).update(text)

    def action_save(self) -> None:
        from fieldsales.services.first_run import locate_office, save_rep_and_office

        name = self.query_one("#rep-name", Input).value.strip()
        where = self.query_one("#rep-office", Input).value.strip()
        if not name:
            self._say(self.t("Type your name."))
            self.query_one("#rep-name", Input).focus()
            return
        office: Place | None = None
        if where:
            office = locate_office(where)
            if office is None:
                self._say(self.t("{text}: not found offline; try the postal code.", text=where))
                self.query_one("#rep-office", Input).focus()
                return
        else:
            office = self.app.settings.office  # type: ignore[attr-defined]
        assert office is not None
        try:
            save_rep_and_office(self.target, name, office)
        except (OSError, ValueError, UserError) as exc:
            self._say(str(exc))
            return
        self.dismiss((name, office))
