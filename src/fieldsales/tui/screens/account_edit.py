"""Edit an account: contact, phone, email, do-not-contact, reason, solvability,
competitor, notes, closed days and opening hours, in one dialog.

`AccountEditScreen(card)` dismisses with the names of the fields that changed
(None when cancelled). Closed vocabularies are lists to choose from; what is
typed is checked by services.account_form, and every bad field gets one line
in the dialog, which stays open with everything typed. Saving runs in a
worker through the one store path that keeps each change in the history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from fieldsales.domain.calendar import format_hours
from fieldsales.i18n.labels import CATEGORY_LABELS, REASON_LABELS
from fieldsales.services.account_card import AccountCard
from fieldsales.services.account_form import AccountEditError, AccountForm, allowed_codes
from fieldsales.tui.i18n import error_text
from fieldsales.tui.screens.base import FormModal
from fieldsales.tui.screens.hours import weekdays_text
from fieldsales.tui.widgets.text_box import TextBox
from fieldsales.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from fieldsales.tui.app import AccountRescored

# the inputs of the dialog: widget id -> AccountForm attribute
TEXT_INPUTS = {
    "e-contact": "contact_name",
    "e-title": "contact_title",
    "e-phone": "phone",
    "e-email": "email",
    "e-competitor-name": "competitor_name",
    "e-closed": "closed_days",
    "e-hours": "hours",
}
SELECTS = {
    "e-reason": "main_reason",
    "e-solvable": "reason_solvable",
    "e-competitor": "competitor_status",
}


class AccountSaved(Message):
    def __init__(self, changed: list[str], rescored: AccountRescored | None = None) -> None:
        super().__init__()
        self.changed = changed
        self.rescored = rescored  # the account re-scored after the commit (app.rescore_saved)


class AccountEditScreen(FormModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, card: AccountCard, focus: str = "e-contact") -> None:
        super().__init__()
        self.card = card
        self.first_focus = focus

    def initial(self) -> AccountForm:
        c = self.card
        return AccountForm(
            contact_name=c.contact_name or "",
            contact_title=c.contact_title or "",
            phone=c.phone or "",
            email=c.email or "",
            do_not_contact=c.do_not_contact,
            main_reason=c.main_reason,
            reason_solvable=c.reason_solvable,
            competitor_status=c.competitor_status,
            competitor_name=c.competitor_name or "",
            notes=c.notes or "",
            closed_days=weekdays_text(c.closed_weekdays, self.lang),
            hours=format_hours(c.opens_at, c.closes_at) or "",
        )

    def options(self, name: str, current: str) -> list[tuple[str, str]]:
        codes = allowed_codes(self.fs.settings)[name]
        if current not in codes:  # a code the config no longer has: kept, shown as stored
            codes = [current, *codes]
        table = REASON_LABELS if name == "main_reason" else CATEGORY_LABELS
        return [(self.label(table, code), code) for code in codes]

    def compose(self) -> ComposeResult:
        form = self.initial()
        labels = {
            "e-contact": self.t("Contact person"),
            "e-title": self.t("Title"),
            "e-phone": self.t("Phone"),
            "e-email": self.t("Email"),
            "e-dnc": self.t("Do not contact"),
            "e-reason": self.t("Main reason"),
            "e-solvable": self.t("How solved"),
            "e-competitor": self.t("Competitor status"),
            "e-competitor-name": self.t("Competitor"),
            "e-notes": self.t("Notes"),
            "e-closed": self.t("Closed weekdays (定休日)"),
            "e-hours": self.t("Opening hours (受付時間)"),
        }
        placeholders = {
            "e-phone": "03-1234-5678",
            "e-email": "name@example.co.jp",
            "e-closed": self.t("e.g. Sat,Sun or 土日; empty: open every day"),
            "e-hours": self.t("e.g. 9:00-17:00; empty: any time"),
        }
        with Vertical(id="edit-dialog", classes="dialog"):
            yield Static(
                self.t("Edit {company}", company=self.card.company), classes="dialog-title"
            )
            with VerticalScroll(id="edit-scroll"), Grid(id="edit-fields"):
                for widget_id in labels:
                    yield Label(labels[widget_id])
                    if widget_id in TEXT_INPUTS:
                        yield TextInput(
                            str(getattr(form, TEXT_INPUTS[widget_id])),
                            placeholder=placeholders.get(widget_id, ""),
                            id=widget_id,
                            compact=True,
                        )
                    elif widget_id in SELECTS:
                        name = SELECTS[widget_id]
                        current = str(getattr(form, name))
                        yield Select(
                            self.options(name, current),
                            value=current,
                            allow_blank=False,
                            id=widget_id,
                            compact=True,
                        )
                    elif widget_id == "e-dnc":
                        yield Checkbox(
                            self.t("never proposed, never in a plan"),
                            form.do_not_contact,
                            id="e-dnc",
                            compact=True,
                        )
                    else:
                        yield TextBox(form.notes, id="e-notes", compact=True)
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(
                    self.t("Save") + " (Ctrl+S)", variant="primary", id="save", compact=True
                )
                yield Button(self.t("Cancel") + " (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#{self.first_focus}").focus()

    def collect(self) -> AccountForm:
        values: dict[str, Any] = {
            attr: self.query_one(f"#{wid}", Input).value for wid, attr in TEXT_INPUTS.items()
        }
        for wid, attr in SELECTS.items():
            values[attr] = str(self.query_one(f"#{wid}", Select).value)
        values["do_not_contact"] = self.query_one("#e-dnc", Checkbox).value
        values["notes"] = self.query_one("#e-notes", TextArea).text
        return AccountForm(**values)

    def action_save(self) -> None:
        from fieldsales.services.account_form import changes_from_form

        error = self.query_one("#form-error", Static)
        try:
            changes = changes_from_form(self.card, self.collect(), self.fs.settings)
        except AccountEditError as exc:
            error.update("\n".join(error_text(p, self.lang) for p in exc.problems))
            return
        error.update("")
        if not changes:
            self.notify(self.t("Nothing changed."))
            self.dismiss([])
            return
        self.save(changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", name="saving account")
    def save(self, changes: dict[str, Any]) -> None:
        from fieldsales.services.account_form import save_edit

        changed = save_edit(self.fs.engine, self.card.id, changes)
        # re-scored here, off the event loop: the dialog closes onto the list with
        # the account already in its new place
        rescored = self.fs.rescore_saved(self.card.id) if changed else None
        self.post_message(AccountSaved(changed, rescored))

    def on_account_saved(self, message: AccountSaved) -> None:
        if message.changed:
            self.notify(
                self.nt(
                    "Saved {n} change to {company}; it is in the account's history (i).",
                    "Saved {n} changes to {company}; they are in the account's history (i).",
                    len(message.changed),
                    company=self.card.company,
                )
            )
            self.fs.account_changed(self.card.id, message.rescored)
        else:
            self.notify(self.t("Nothing changed."))
        self.dismiss(message.changed)

    def apply_language(self) -> None:
        self.translate()
