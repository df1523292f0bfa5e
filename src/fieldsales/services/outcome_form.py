"""One outcome as a rep types it: the rules shared by the log dialog and `fieldsales log`.

`outcome_from_form` turns the typed text (channel, result, dates, amounts)
into an `OutcomeInput` and `validate` checks it; both raise `OutcomeError`
naming the field and the fix. The dialog and the command call the same two
functions, so a rule added here holds in both.

An error carries an i18n key and its values besides the English line, so the
app can say it in the rep's language (services never import the TUI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from fieldsales.domain.clock import local_date
from fieldsales.domain.vocab import Channel, Result, VisitStage
from fieldsales.errors import UserError
from fieldsales.i18n import N_


class OutcomeError(UserError, ValueError):
    """An outcome that cannot be saved; the message says which field and why.

    `key` is the same message as an English msgid (marked with N_, translated
    by the UI), `values` fill it in; a value whose name ends in `_key` is
    itself a msgid (a field label).
    """

    title = "Outcome not saved"

    def __init__(self, message: str, key: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass
class OutcomeInput:
    account_id: str
    channel: str = Channel.phone.value
    result: str = Result.contacted.value
    visit_stage: str = VisitStage.none.value
    next_action: str | None = None
    next_action_due: date | None = None
    order_amount: int | None = None  # yen
    cost: int | None = None  # yen
    duration_minutes: int | None = None
    notes: str | None = None
    route_stop_id: str | None = None
    occurred_at: datetime | None = None  # aware; default: now
    rep: str | None = None
    supersedes: str | None = None  # a correction names the outcome it replaces


@dataclass
class OutcomeForm:
    """The outcome as typed: text fields as entered, None where nothing was chosen."""

    account_id: str
    channel: str | None = None  # None: `default_channel`
    result: str | None = None  # required: nothing is logged without an explicit result
    visit_stage: str = VisitStage.none.value
    next_action: str = ""
    due: str = ""  # YYYY-MM-DD, YYYY/MM/DD or +days (from the day it happened)
    amount: str = ""  # yen; commas, ¥ and 円 allowed
    cost: str = ""
    minutes: str = ""
    notes: str = ""
    day: str = ""  # the day it happened, YYYY-MM-DD; empty: today
    route_stop_id: str | None = None
    rep: str | None = None
    supersedes: str | None = None
    default_channel: str = Channel.phone.value


def parse_day(text: str, today: date, what: str, key: str) -> date | None:
    """YYYY-MM-DD (or with slashes), +days from `today`, or None when empty."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\+\d{1,4}", text):
        return today + timedelta(days=int(text[1:]))
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise OutcomeError(
            f"{what}: {text!r} is not a date; use YYYY-MM-DD or +days", key, text=text
        ) from None


def parse_yen(text: str, field: str, field_key: str) -> int | None:
    cleaned = re.sub(r"[,\s¥円]", "", text.strip())
    if not cleaned:
        return None
    if not re.fullmatch(r"\d+", cleaned):
        raise OutcomeError(
            f"{field}: {text.strip()!r} is not a whole number",
            N_("{field}: {text!r} is not a whole number"),
            field_key=field_key,
            text=text.strip(),
        )
    return int(cleaned)


def outcome_from_form(
    form: OutcomeForm, today: date, now: time | None = None, *, zone: tzinfo | None = None
) -> OutcomeInput:
    """The typed outcome as an OutcomeInput, checked by `validate`; raises OutcomeError.

    It happened on `form.day` (default `today`) at `now` (default the clock), wall
    time in `zone` (config `timezone`; None: the computer's zone).
    """
    if not form.result:
        raise OutcomeError(
            "result: pick a result; nothing was saved",
            N_("Pick a result (1-7) first: nothing was saved."),
        )
    day = (
        parse_day(form.day, today, "date", N_("Date: {text!r} is not a date; use YYYY-MM-DD"))
        or today
    )
    due = parse_day(
        form.due, day, "due date", N_("Due date: {text!r} is not a date; use YYYY-MM-DD or +days")
    )
    numbers = {
        name: parse_yen(getattr(form, name), name, field)
        for name, field in (
            ("amount", N_("Order amount (yen)")),
            ("cost", N_("Cost (yen)")),
            ("minutes", N_("Minutes")),
        )
    }
    clock = now if now is not None else datetime.now(UTC).astimezone(zone).time()
    data = OutcomeInput(
        account_id=form.account_id,
        channel=form.channel or form.default_channel,
        result=form.result,
        visit_stage=form.visit_stage or VisitStage.none.value,
        next_action=form.next_action.strip() or None,
        next_action_due=due,
        order_amount=numbers["amount"],
        cost=numbers["cost"],
        duration_minutes=numbers["minutes"],
        notes=form.notes.strip() or None,
        route_stop_id=form.route_stop_id,
        occurred_at=datetime.combine(day, clock.replace(tzinfo=None), zone).astimezone(UTC),
        rep=form.rep,
        supersedes=form.supersedes,
    )
    validate(data, today=today, zone=zone)
    return data


def validate(data: OutcomeInput, *, today: date | None = None, zone: tzinfo | None = None) -> None:
    """Raise OutcomeError on the first field a user must fix."""
    if data.channel not in Channel.__members__:
        raise OutcomeError(
            f"channel: {data.channel!r} is not one of {', '.join(Channel)}",
            N_("Channel: {text!r} is not one of {allowed}"),
            text=data.channel,
            allowed=", ".join(Channel),
        )
    if data.result not in Result.__members__:
        raise OutcomeError(
            f"result: {data.result!r} is not one of {', '.join(Result)}",
            N_("Result: {text!r} is not one of {allowed}"),
            text=data.result,
            allowed=", ".join(Result),
        )
    if data.visit_stage not in VisitStage.__members__:
        raise OutcomeError(
            f"visit stage: {data.visit_stage!r} is not one of {', '.join(VisitStage)}",
            N_("Visit stage: {text!r} is not one of {allowed}"),
            text=data.visit_stage,
            allowed=", ".join(VisitStage),
        )
    if data.channel != Channel.visit and data.visit_stage != VisitStage.none:
        raise OutcomeError(
            "visit stage: only a visit has a stage", N_("Visit stage: only a visit has a stage")
        )
    for name, key in (
        ("order_amount", N_("Order amount (yen)")),
        ("cost", N_("Cost (yen)")),
        ("duration_minutes", N_("Minutes")),
    ):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise OutcomeError(
                f"{name.replace('_', ' ')}: must be 0 or more, got {value}",
                N_("{field}: must be 0 or more, got {value}"),
                field_key=key,
                value=value,
            )
    if data.order_amount and data.result != Result.order:
        raise OutcomeError(
            "amount: only an order has an amount", N_("Order amount: only an order has an amount")
        )
    if data.occurred_at is not None and data.occurred_at.tzinfo is None:
        raise OutcomeError("occurred at: must carry a time zone")
    if today is not None and data.occurred_at is not None:
        day = local_date(data.occurred_at, zone)  # its day in config `timezone`
        if day > today:
            raise OutcomeError(
                f"date: {day.isoformat()} is in the future",
                N_("Date: {date} is in the future"),
                date=day.isoformat(),
            )
        if data.next_action_due is not None and data.next_action_due < day:
            raise OutcomeError(
                f"due date: {data.next_action_due.isoformat()} is before the day it happened",
                N_("Due date: {date} is before the day it happened"),
                date=data.next_action_due.isoformat(),
            )
