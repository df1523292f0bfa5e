"""Log outcome: a modal reachable with one key from the list, the detail and the route.

`LogOutcomeScreen(account_id, route_stop_id=None, correcting=None)`
dismisses with the saved outcome's id (None when cancelled). It opens with
nothing selected: nothing is saved without an explicit result. The common
case is three keystrokes: `l` opens it, a digit 1-7 picks the result (and
the channel's default, phone, or visit from a route stop, when no channel was
chosen), Ctrl+S saves. Ctrl+S with no result says so and saves nothing. A
refusal that would pause the account asks first.

With `correcting` (an entry of the account history) the form opens filled
with that entry and saving writes a correction that supersedes it.

The typed text goes through services.outcome_form, the same rules as
`fieldsales log`. Saving runs in a worker and is committed before the
notification appears; a failure keeps the form open with everything typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from fieldsales.domain.contact import ContactState
from fieldsales.domain.vocab import Channel, Result, VisitStage
from fieldsales.i18n import N_
from fieldsales.i18n.labels import CHANNEL_LABELS, RESULT_LABELS, VISIT_STAGE_LABELS
from fieldsales.services.account_card import AccountCard
from fieldsales.services.account_form import AccountEditError, contact_change
from fieldsales.services.outcome_form import OutcomeError, OutcomeForm, outcome_from_form
from fieldsales.services.outcomes import LoggedOutcome, OutcomeInput, TimelineEntry
from fieldsales.tui.i18n import error_text
from fieldsales.tui.screens.base import BaseModal, FormModal
from fieldsales.tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from fieldsales.tui.app import AccountRescored

RESULTS = [r.value for r in Result]
CHANNELS = [c.value for c in Channel]
VISIT_STAGES = [v.value for v in VisitStage]
DAYS_PER_MONTH = 30.44  # for saying "6 months" out of a number of days


class Saved(Message):
    def __init__(self, result: LoggedOutcome, rescored: AccountRescored | None = None) -> None:
        super().__init__()
        self.result = result
        self.rescored = rescored  # the account re-scored after the commit (app.rescore_saved)


class CardLoaded(Message):
    def __init__(self, card: AccountCard | None) -> None:
        super().__init__()
        self.card = card


class RefusalPreview(Message):
    def __init__(self, state: ContactState) -> None:
        super().__init__()
        self.state = state


class PauseAsked(Message):
    """Saving a refusal that would pause the account: ask before saving it."""

    def __init__(
        self, data: OutcomeInput, state: ContactState, changes: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.data = data
        self.state = state
        self.changes = changes


class ConfirmPauseScreen(BaseModal):
    """Yes / no before a refusal pauses the account; dismisses with True to save."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("enter", "answer(True)", "Yes", id="confirm_enter", show=False),
        Binding("n", "answer(False)", "No", id="confirm_no"),
        Binding("escape", "answer(False)", "No", id="cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.text, id="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Yes") + " (y)", variant="error", id="yes")
                yield Button(self.t("No") + " (n)", id="no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def apply_language(self) -> None:
        self.translate()


class LogOutcomeScreen(FormModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        # not a priority binding: a priority key is run as it comes in, ahead of a
        # digit typed before it that is still on its way to the dialog (no widget
        # here takes Ctrl+S, so it reaches the dialog's binding from any of them)
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+e", "edit_account", "Edit account", id="edit_from_log", priority=True),
        *[
            Binding(str(i + 1), f"pick_result({i})", r, show=False, id=f"result_{r}")
            for i, r in enumerate(RESULTS)
        ],
    ]

    def __init__(
        self,
        account_id: str,
        route_stop_id: str | None = None,
        correcting: TimelineEntry | None = None,
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.correcting = correcting
        self.route_stop_id = correcting.route_stop_id if correcting else route_stop_id
        # what a result key picks when no channel was chosen
        self.default_channel = Channel.visit.value if route_stop_id else Channel.phone.value
        self.channel: str | None = correcting.channel if correcting else None
        self.result: str | None = correcting.result if correcting else None
        self.refusal: ContactState | None = None
        self.card: AccountCard | None = None
        self.contact_shown = ""  # the contact the form was filled with
        # keys typed before the dialog is mounted (`l 2 Ctrl+S` typed in one go, or
        # while a busy machine draws the dialog): run in their order once it is
        self._ready = False
        self._typed_early: list[Callable[[], None]] = []

    def compose(self) -> ComposeResult:
        item = self.fs.item(self.account_id)
        company = item.company if item else ""
        with Vertical(id="log-dialog", classes="dialog"):
            title = (
                N_("Correct an entry: {company}")
                if self.correcting
                else N_("Log outcome: {company}")
            )
            yield Static(self.t(title, company=company), classes="dialog-title")
            yield Label(self.t("Channel"))
            with RadioSet(id="channel", classes="horizontal"):
                for c in CHANNELS:
                    yield RadioButton(
                        self.label(CHANNEL_LABELS, c), value=c == self.channel, name=c
                    )
            with Vertical(id="visit-box"):
                yield Label(self.t("Visit reached"))
                with RadioSet(id="visit-stage", classes="horizontal"):
                    for v in VISIT_STAGES:
                        stage = self.correcting.visit_stage if self.correcting else None
                        yield RadioButton(
                            self.label(VISIT_STAGE_LABELS, v), value=v == (stage or "none"), name=v
                        )
            yield Label(self.t("Result (1-7)"))
            with RadioSet(id="result", classes="horizontal wrap"):
                for i, r in enumerate(RESULTS):
                    yield RadioButton(
                        f"{i + 1} {self.label(RESULT_LABELS, r)}", value=r == self.result, name=r
                    )
            yield Checkbox("", value=True, id="recontact")
            yield Static("", id="refusal-note", classes="warning")
            with Grid(id="log-fields"):
                yield Label(self.t("Next action"))
                yield TextInput(id="next-action")
                yield Label(self.t("Due (YYYY-MM-DD or +days)"))
                yield TextInput(id="due", placeholder=self.t("e.g. {value}", value="+7"))
                yield Label(self.t("Order amount (yen)"))
                yield TextInput(id="amount", placeholder=self.t("e.g. {value}", value="500000"))
                yield Label(self.t("Cost (yen)"))
                yield TextInput(id="cost", placeholder=self.t("e.g. {value}", value="3000"))
                yield Label(self.t("Minutes"))
                yield TextInput(id="minutes", placeholder=self.t("e.g. {value}", value="3"))
                yield Label(self.t("Notes"))
                yield TextInput(id="notes")
                yield Label(self.t("Contact person"))
                yield TextInput(id="contact-met", placeholder=self.t("the person you talked to"))
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save") + " (Ctrl+S)", variant="primary", id="save")
                yield Button(self.t("Cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        if self.correcting is not None:
            self.fill(self.correcting)
        self.sync_visibility()
        self.query_one("#result", RadioSet).focus()
        self.load_card()
        self._ready = True
        typed, self._typed_early = self._typed_early, []
        for action in typed:
            action()

    def _not_ready(self, action: Callable[[], None]) -> bool:
        """True when the dialog is not mounted yet: `action` (a key's) is then kept
        and run once it is, after the keys typed before it."""
        if self._ready:
            return False
        self._typed_early.append(action)
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="card", name="account")
    def load_card(self) -> None:
        from fieldsales.services.account_card import account_card

        self.post_message(CardLoaded(account_card(self.fs.engine, self.account_id)))

    def on_card_loaded(self, message: CardLoaded) -> None:
        self.card = message.card
        contact = self.query_one("#contact-met", Input)
        if self.card is not None and not contact.value:
            contact.value = self.card.contact_name or ""
            self.contact_shown = contact.value

    def action_edit_account(self) -> None:
        """The whole account, on top of this dialog (what is typed here stays)."""
        from fieldsales.tui.screens.account_edit import AccountEditScreen

        if self._not_ready(self.action_edit_account) or self.card is None:
            return

        def edited(changed: list[str] | None) -> None:
            if changed:
                self.load_card_after_edit()

        self.app.push_screen(AccountEditScreen(self.card), edited)

    def load_card_after_edit(self) -> None:
        contact = self.query_one("#contact-met", Input)
        if contact.value == self.contact_shown:  # not typed over: show the edited one
            contact.value = ""
        self.load_card()

    def fill(self, e: TimelineEntry) -> None:
        """The form as the corrected entry had it."""
        values = {
            "next-action": e.next_action or "",
            "due": e.next_action_due.isoformat() if e.next_action_due else "",
            "amount": str(e.amount) if e.amount is not None else "",
            "cost": str(e.cost) if e.cost is not None else "",
            "minutes": str(e.duration_minutes) if e.duration_minutes is not None else "",
            "notes": e.notes or "",
        }
        for widget_id, value in values.items():
            self.query_one(f"#{widget_id}", Input).value = value
        self.query_one("#recontact", Checkbox).value = False

    # -- form state ---------------------------------------------------------
    def sync_visibility(self) -> None:
        self.query_one("#visit-box").display = self.channel == Channel.visit
        refused = self.result == Result.refused
        self.query_one("#recontact", Checkbox).display = refused and not self.paused_next
        self.query_one("#refusal-note", Static).display = refused and self.paused_next

    @property
    def paused_next(self) -> bool:
        return self.refusal is not None and self.refusal.paused_until is not None

    @on(RadioSet.Changed, "#channel")
    def channel_changed(self, event: RadioSet.Changed) -> None:
        self.channel = event.pressed.name or self.default_channel
        self.sync_visibility()

    @on(RadioSet.Changed, "#result")
    def result_changed(self, event: RadioSet.Changed) -> None:
        self.choose_result(event.pressed.name)

    def choose_result(self, result: str | None) -> None:
        """The form with `result` picked (a click's RadioSet.Changed, or a digit key
        at once: a Ctrl+S typed right after the digit saves it)."""
        self.result = result
        if self.channel is None:  # the result says it happened: by the default channel
            self.channel = self.default_channel
            for button in self.query_one("#channel", RadioSet).query(RadioButton):
                if button.name == self.channel:
                    button.value = True
        if self.result == Result.refused and self.refusal is None:
            self.preview_refusal()
        self._clear_error()
        self.sync_visibility()

    def _clear_error(self) -> None:
        """No error line. Updating a line already empty would lay the dialog out and
        draw it again, on each digit and before each save."""
        error = self.query_one("#form-error", Static)
        if str(error.content):
            error.update("")

    def action_pick_result(self, index: int) -> None:
        if self._not_ready(lambda: self.action_pick_result(index)):
            return
        buttons = list(self.query_one("#result", RadioSet).query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True
            self.choose_result(buttons[index].name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="refusal", name="refusal check")
    def preview_refusal(self) -> None:
        from fieldsales.services.outcomes import refusal_preview

        state = refusal_preview(
            self.fs.engine, self.fs.settings, self.account_id, today=self.fs.today
        )
        self.post_message(RefusalPreview(state))

    def on_refusal_preview(self, message: RefusalPreview) -> None:
        self.refusal = message.state
        phone = self.fs.settings.phone
        if message.state.paused_until is not None:
            self.query_one("#refusal-note", Static).update(
                self.t(
                    "Refusal {n}: the account will not be proposed until {date}",
                    n=message.state.refusals,
                    date=message.state.paused_until.isoformat(),
                )
            )
        recontact = self.fs.today + timedelta(days=phone.recontact_after_refusal_days)
        months = round(phone.recontact_after_refusal_days / DAYS_PER_MONTH)
        self.query_one("#recontact", Checkbox).label = self.nt(
            "Contact again in {n} month ({date})",
            "Contact again in {n} months ({date})",
            months,
            date=recontact.isoformat(),
        )
        self.sync_visibility()

    # -- save ---------------------------------------------------------------
    def collect(self) -> OutcomeInput:
        """The typed outcome, checked by the rules `fieldsales log` uses too."""

        def value(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        due, next_action = value("due"), value("next-action")
        if (
            self.result == Result.refused
            and not self.paused_next
            and self.query_one("#recontact", Checkbox).value
            and not due.strip()
        ):
            due = f"+{self.fs.settings.phone.recontact_after_refusal_days}"
            next_action = next_action.strip() or str(self.query_one("#recontact", Checkbox).label)
        stage_set = self.query_one("#visit-stage", RadioSet).pressed_button
        visit_stage = (
            (stage_set.name or "none") if self.channel == Channel.visit and stage_set else "none"
        )
        # now, on the app's calendar day (the same thing outside tests and demos);
        # a correction keeps the moment of the entry it corrects
        zone = self.fs.settings.zone()  # wall time in config `timezone`
        day: date = self.fs.today
        clock: time = datetime.now(zone).time()
        if self.correcting is not None and self.correcting.occurred_at is not None:
            local = self.correcting.occurred_at.astimezone(zone)
            day, clock = local.date(), local.time()
        form = OutcomeForm(
            account_id=self.account_id,
            channel=self.channel,
            result=self.result,
            visit_stage=visit_stage,
            next_action=next_action,
            due=due,
            amount=value("amount"),
            cost=value("cost"),
            minutes=value("minutes"),
            notes=value("notes"),
            day=day.isoformat(),
            route_stop_id=self.route_stop_id,
            supersedes=self.correcting.id if self.correcting else None,
            default_channel=self.default_channel,
        )
        return outcome_from_form(form, self.fs.today, now=clock, zone=zone)

    def action_save(self) -> None:
        if self._not_ready(self.action_save):
            return
        error = self.query_one("#form-error", Static)
        try:
            data = self.collect()
            current = self.card.contact_name if self.card is not None else None
            changes = contact_change(current, self.query_one("#contact-met", Input).value)
        except OutcomeError as exc:
            text = error_text(exc, self.lang)
            error.update(text)
            self.notify(text, severity="warning")
            return
        except AccountEditError as exc:
            text = "\n".join(error_text(p, self.lang) for p in exc.problems)
            error.update(text)
            self.notify(text, severity="warning")
            return
        self._clear_error()
        self.save(data, changes=changes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", name="saving")
    def save(
        self, data: OutcomeInput, confirmed: bool = False, changes: dict[str, str] | None = None
    ) -> None:
        from fieldsales.services.outcomes import PauseNotConfirmed, log_outcome

        try:
            result = log_outcome(
                self.fs.engine,
                self.fs.settings,
                data,
                today=self.fs.today,
                confirm_pause=confirmed,
                account_changes=changes,
            )
        except PauseNotConfirmed as exc:
            self.post_message(PauseAsked(data, exc.state, changes))
            return
        # re-scored here, off the event loop, so that the dialog closes onto the
        # list with the account already in its new place
        self.post_message(Saved(result, self.fs.rescore_saved(data.account_id)))

    def on_pause_asked(self, message: PauseAsked) -> None:
        state = message.state
        until = state.paused_until.isoformat() if state.paused_until else ""
        text = self.t(
            "Refusal {n}: the account will not be proposed until {date}. Log it?",
            n=state.refusals,
            date=until,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.save(message.data, confirmed=True, changes=message.changes)

        self.app.push_screen(ConfirmPauseScreen(text), answered)

    def action_cancel(self) -> None:
        if not self._not_ready(self.action_cancel):
            super().action_cancel()

    def on_saved(self, message: Saved) -> None:
        item = self.fs.item(self.account_id)
        company = item.company if item else ""
        state = message.result.contact
        if state.paused_until is not None and state.is_paused(self.fs.today):
            text = self.t(
                "Outcome saved. {company} refused {n} times: not proposed until {date}.",
                company=company,
                n=state.refusals,
                date=state.paused_until.isoformat(),
            )
        else:
            text = self.t("Outcome saved for {company}.", company=company)
        self.fs.account_changed(self.account_id, message.rescored)
        # the toast after the frame that shows the list with the account in its new
        # place: mounting it lays the screen out again, which that frame need not wait for
        self.app.call_after_refresh(self.app.notify, text)
        self.dismiss(message.result.id)

    def apply_language(self) -> None:
        self.translate()
