"""Log outcome: a modal reachable with one key from the list, the detail and the route.

`LogOutcomeScreen(account_id, route_stop_id=None)` dismisses with the saved
outcome's id (None when cancelled). The common case is three keystrokes:
`l` opens it (phone, contacted preselected), a digit 1-7 picks the result,
Ctrl+S saves. Saving runs in a worker and is committed before the
notification appears; a failure keeps the form open with everything typed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from fieldsales.domain.contact import ContactState
from fieldsales.domain.vocab import Channel, Result, VisitStage
from fieldsales.services.outcomes import LoggedOutcome, OutcomeInput
from fieldsales.tui.screens.base import BaseModal

RESULTS = [r.value for r in Result]
CHANNELS = [c.value for c in Channel]
VISIT_STAGES = [v.value for v in VisitStage]
DAYS_PER_MONTH = 30.44  # for saying "6 months" out of a number of days


class FormError(ValueError):
    pass


def parse_due(text: str, today: date) -> date | None:
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\+\d{1,4}", text):
        return today + timedelta(days=int(text[1:]))
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise FormError(text) from None


def parse_int(text: str) -> int | None:
    cleaned = re.sub(r"[,\s¥円]", "", text.strip())
    if not cleaned:
        return None
    if not re.fullmatch(r"\d+", cleaned):
        raise FormError(text)
    return int(cleaned)


class Saved(Message):
    def __init__(self, result: LoggedOutcome) -> None:
        super().__init__()
        self.result = result


class RefusalPreview(Message):
    def __init__(self, state: ContactState) -> None:
        super().__init__()
        self.state = state


class LogOutcomeScreen(BaseModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
        *[
            Binding(str(i + 1), f"pick_result({i})", r, show=False, id=f"result_{r}")
            for i, r in enumerate(RESULTS)
        ],
    ]

    def __init__(self, account_id: str, route_stop_id: str | None = None) -> None:
        super().__init__()
        self.account_id = account_id
        self.route_stop_id = route_stop_id
        self.channel = Channel.visit.value if route_stop_id else Channel.phone.value
        self.result = Result.contacted.value
        self.refusal: ContactState | None = None

    def compose(self) -> ComposeResult:
        item = self.fs.item(self.account_id)
        company = item.company if item else ""
        with Vertical(id="log-dialog", classes="dialog"):
            yield Static(self.t("log.title", company=company), classes="dialog-title")
            yield Label(self.t("log.channel"))
            with RadioSet(id="channel", classes="horizontal"):
                for c in CHANNELS:
                    yield RadioButton(self.t(f"ch.{c}"), value=c == self.channel, name=c)
            with Vertical(id="visit-box"):
                yield Label(self.t("log.visit_stage"))
                with RadioSet(id="visit-stage", classes="horizontal"):
                    for v in VISIT_STAGES:
                        yield RadioButton(self.t(f"vs.{v}"), value=v == "none", name=v)
            yield Label(self.t("log.result"))
            with RadioSet(id="result", classes="horizontal wrap"):
                for i, r in enumerate(RESULTS):
                    yield RadioButton(
                        f"{i + 1} {self.t(f'res.{r}')}", value=r == self.result, name=r
                    )
            yield Checkbox("", value=True, id="recontact")
            yield Static("", id="refusal-note", classes="warning")
            with Grid(id="log-fields"):
                yield Label(self.t("log.next_action"))
                yield Input(id="next-action")
                yield Label(self.t("log.due"))
                yield Input(id="due", placeholder=self.t("log.example", value="+7"))
                yield Label(self.t("log.amount"))
                yield Input(id="amount", placeholder=self.t("log.example", value="500000"))
                yield Label(self.t("log.cost"))
                yield Input(id="cost", placeholder=self.t("log.example", value="3000"))
                yield Label(self.t("log.minutes"))
                yield Input(id="minutes", placeholder=self.t("log.example", value="3"))
                yield Label(self.t("log.notes"))
                yield Input(id="notes")
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("key.save") + " (Ctrl+S)", variant="primary", id="save")
                yield Button(self.t("key.cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.sync_visibility()
        self.query_one("#result", RadioSet).focus()

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
        self.channel = event.pressed.name or Channel.phone.value
        self.sync_visibility()

    @on(RadioSet.Changed, "#result")
    def result_changed(self, event: RadioSet.Changed) -> None:
        self.result = event.pressed.name or Result.contacted.value
        if self.result == Result.refused and self.refusal is None:
            self.preview_refusal()
        self.sync_visibility()

    def action_pick_result(self, index: int) -> None:
        buttons = list(self.query_one("#result", RadioSet).query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True

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
                    "log.second_refusal",
                    n=message.state.refusals,
                    date=message.state.paused_until.isoformat(),
                )
            )
        recontact = self.fs.today + timedelta(days=phone.recontact_after_refusal_days)
        months = round(phone.recontact_after_refusal_days / DAYS_PER_MONTH)
        self.query_one("#recontact", Checkbox).label = self.t(
            "log.recontact", months=months, date=recontact.isoformat()
        )
        self.sync_visibility()

    # -- save ---------------------------------------------------------------
    def collect(self) -> OutcomeInput:
        def value(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        try:
            due = parse_due(value("due"), self.fs.today)
        except FormError as exc:
            raise FormError(self.t("log.bad_date", text=str(exc))) from None
        numbers: dict[str, int | None] = {}
        for widget_id, key in (
            ("amount", "log.amount"),
            ("cost", "log.cost"),
            ("minutes", "log.minutes"),
        ):
            try:
                numbers[widget_id] = parse_int(value(widget_id))
            except FormError as exc:
                raise FormError(
                    self.t("log.bad_number", field=self.t(key), text=str(exc))
                ) from None
        next_action = value("next-action").strip() or None
        if (
            self.result == Result.refused
            and not self.paused_next
            and self.query_one("#recontact", Checkbox).value
            and due is None
        ):
            days = self.fs.settings.phone.recontact_after_refusal_days
            due = self.fs.today + timedelta(days=days)
            next_action = next_action or str(self.query_one("#recontact", Checkbox).label)
        stage_set = self.query_one("#visit-stage", RadioSet).pressed_button
        visit_stage = (
            (stage_set.name or "none") if self.channel == Channel.visit and stage_set else "none"
        )
        return OutcomeInput(
            account_id=self.account_id,
            channel=self.channel,
            result=self.result,
            visit_stage=visit_stage,
            next_action=next_action,
            next_action_due=due,
            order_amount=numbers["amount"],
            cost=numbers["cost"],
            duration_minutes=numbers["minutes"],
            notes=value("notes"),
            route_stop_id=self.route_stop_id,
            # now, on the app's calendar day (the same thing outside tests and demos)
            occurred_at=datetime.combine(self.fs.today, datetime.now().time()).astimezone(UTC),
        )

    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        try:
            data = self.collect()
        except FormError as exc:
            error.update(str(exc))
            self.notify(str(exc), severity="warning")
            return
        error.update("")
        self.save(data)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", name="saving")
    def save(self, data: OutcomeInput) -> None:
        from fieldsales.services.outcomes import log_outcome

        result = log_outcome(self.fs.engine, self.fs.settings, data, today=self.fs.today)
        self.post_message(Saved(result))

    def on_saved(self, message: Saved) -> None:
        item = self.fs.item(self.account_id)
        company = item.company if item else ""
        state = message.result.contact
        if state.paused_until is not None and state.is_paused(self.fs.today):
            text = self.t(
                "log.saved_paused",
                company=company,
                n=state.refusals,
                date=state.paused_until.isoformat(),
            )
        else:
            text = self.t("log.saved", company=company)
        self.notify(text)
        self.fs.account_changed(self.account_id)
        self.dismiss(message.result.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def apply_language(self) -> None:
        self.translate()
