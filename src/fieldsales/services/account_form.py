"""Editing an account in the app: the typed form, its checks, its history and reverts.

`changes_from_form` reads what a rep typed into the edit dialog (contact,
phone, email, do-not-contact, reason and how solved it is, competitor,
notes, closed days and opening hours) and returns only the fields that
differ from the account as it is. Every bad field is reported at once, one
line each (`AccountEditError.problems`), so the dialog can say all that needs
fixing. Closed vocabularies (reason, solvability, competitor status) accept
only their codes: the dialog offers them as lists.

Saving goes through `store.account_edit.update_account_fields`, the one path
that writes `account_change` rows; `revert` takes one entry of that history
back through the same path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldsales.config import Settings
from fieldsales.domain.calendar import parse_closed_weekdays, parse_hours
from fieldsales.domain.vocab import Reason
from fieldsales.errors import UserError
from fieldsales.geo.normalize import width_fold
from fieldsales.i18n import N_
from fieldsales.store import unit
from fieldsales.store.account_edit import (
    ChangeRow,
    account_changes,
    max_length,
    revert_change,
    update_account_fields,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.services.account_card import AccountCard

__all__ = [
    "EDIT_FIELDS",
    "AccountEditError",
    "AccountForm",
    "ChangeRow",
    "FieldProblem",
    "change_history",
    "changes_from_form",
    "revert",
    "save_edit",
]

# The account fields the edit dialog changes, in the dialog's order.
EDIT_FIELDS = (
    "contact_name",
    "contact_title",
    "phone",
    "email",
    "do_not_contact",
    "main_reason",
    "reason_solvable",
    "competitor_status",
    "competitor_name",
    "notes",
    "closed_weekdays",
    "opens_at",
    "closes_at",
)

# field -> its label (an English msgid), for the error lines
FIELD_NAMES: dict[str, str] = {
    "contact_name": N_("Contact person"),
    "contact_title": N_("Title"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "competitor_name": N_("Competitor"),
    "notes": N_("Notes"),
    "main_reason": N_("Main reason"),
    "reason_solvable": N_("How solved"),
    "competitor_status": N_("Competitor status"),
}

_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]*(?:(?:ext\.?|x|内線)\s*[0-9]+)?", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MIN_PHONE_DIGITS = 6  # the shortest Japanese number without its area code (e.g. 123-456)


@dataclass
class AccountForm:
    """The account as typed in the dialog: text as entered, codes as chosen."""

    contact_name: str = ""
    contact_title: str = ""
    phone: str = ""
    email: str = ""
    do_not_contact: bool = False
    main_reason: str = Reason.unknown.value
    reason_solvable: str = "unknown"
    competitor_status: str = "unknown"
    competitor_name: str = ""
    notes: str = ""
    closed_days: str = ""  # 土日, Sat,Sun; empty: open every day
    hours: str = ""  # 9:00-17:00; empty: any time


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: its name, an English line, and the same as a msgid with values."""

    field: str
    message: str
    key: str
    values: dict[str, Any]


class AccountEditError(UserError, ValueError):
    """Fields that cannot be saved; one problem per bad field, nothing was saved."""

    title = "Account not saved"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _problem(name: str, message: str, key: str, **values: Any) -> FieldProblem:
    return FieldProblem(name, message, key, values)


def _text(form: AccountForm, name: str, problems: list[FieldProblem]) -> str | None:
    value = str(getattr(form, name)).strip()
    limit = max_length(name)
    if limit is not None and len(value) > limit:
        problems.append(
            _problem(
                name,
                f"{name}: at most {limit} characters, got {len(value)}",
                N_("{field}: at most {limit} characters, got {count}"),
                field_key=FIELD_NAMES[name],
                limit=limit,
                count=len(value),
            )
        )
    return value or None


def _phone(text: str | None, problems: list[FieldProblem]) -> str | None:
    if text is None:
        return None
    folded = width_fold(text).replace("ー", "-").replace("−", "-").strip()
    digits = sum(c.isdigit() for c in folded)
    if not _PHONE.fullmatch(folded) or digits < MIN_PHONE_DIGITS:
        problems.append(
            _problem(
                "phone",
                f"phone: {text!r} is not a phone number; use digits, spaces and + - ( )",
                N_("Phone: {text!r} is not a phone number; use digits, spaces and + - ( )"),
                text=text,
            )
        )
    return folded


def _email(text: str | None, problems: list[FieldProblem]) -> str | None:
    if text is None:
        return None
    folded = width_fold(text).strip()
    if not _EMAIL.fullmatch(folded):
        problems.append(
            _problem(
                "email",
                f"email: {text!r} is not an email address (name@example.co.jp)",
                N_("Email: {text!r} is not an email address (name@example.co.jp)"),
                text=text,
            )
        )
    return folded


def _code(name: str, value: str, allowed: list[str], problems: list[FieldProblem]) -> str:
    if value not in allowed:
        problems.append(
            _problem(
                name,
                f"{name}: {value!r} is not one of {', '.join(allowed)}",
                N_("{field}: {text!r} is not one of {allowed}"),
                field_key=FIELD_NAMES[name],
                text=value,
                allowed=", ".join(allowed),
            )
        )
    return value


def allowed_codes(settings: Settings) -> dict[str, list[str]]:
    """The codes each closed vocabulary of the dialog offers, in the config's order."""
    return {
        "main_reason": [r.value for r in Reason],
        "reason_solvable": list(settings.scoring.reason_solvable),
        "competitor_status": list(settings.scoring.competitor_status),
    }


def changes_from_form(card: AccountCard, form: AccountForm, settings: Settings) -> dict[str, Any]:
    """The fields of `form` that differ from `card`, checked; raises AccountEditError
    naming every bad field (nothing is saved then)."""
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {
        "contact_name": _text(form, "contact_name", problems),
        "contact_title": _text(form, "contact_title", problems),
        "phone": _phone(_text(form, "phone", problems), problems),
        "email": _email(_text(form, "email", problems), problems),
        "do_not_contact": bool(form.do_not_contact),
        "competitor_name": _text(form, "competitor_name", problems),
        "notes": _text(form, "notes", problems),
    }
    for name, allowed in allowed_codes(settings).items():
        values[name] = _code(name, getattr(form, name), allowed, problems)
    try:
        values["closed_weekdays"] = parse_closed_weekdays(form.closed_days) or None
    except ValueError as exc:
        problems.append(
            _problem(
                "closed_weekdays",
                f"closed weekdays: {exc}",
                N_("Closed weekdays: {reason}"),
                reason=str(exc),
            )
        )
    values["opens_at"] = values["closes_at"] = None
    if form.hours.strip():
        try:
            values["opens_at"], values["closes_at"] = parse_hours(form.hours)
        except ValueError as exc:
            problems.append(
                _problem(
                    "hours", f"opening hours: {exc}", N_("Opening hours: {reason}"), reason=str(exc)
                )
            )
    if problems:
        raise AccountEditError(problems)
    return {name: v for name, v in values.items() if getattr(card, name) != v}


def contact_change(current: str | None, typed: str) -> dict[str, Any]:
    """The contact person a rep typed while logging an outcome, as account changes:
    {} when left empty or unchanged; AccountEditError when too long."""
    problems: list[FieldProblem] = []
    name = _text(AccountForm(contact_name=typed), "contact_name", problems)
    if problems:
        raise AccountEditError(problems)
    return {} if name is None or name == current else {"contact_name": name}


def save_edit(engine: Engine, account_id: str, changes: dict[str, Any]) -> list[str]:
    """Save the checked changes with their history (source "app"); the fields that changed."""
    with unit.writing(engine) as u:
        return update_account_fields(u, account_id, changes, source="app")


def change_history(engine: Engine, account_id: str) -> list[ChangeRow]:
    """Every field change of the account (import, app, sync), newest first."""
    with unit.reading(engine) as u:
        return account_changes(u, account_id)


def revert(engine: Engine, change_id: str) -> list[str]:
    """Set the field of one history entry back to its value before it; the revert is
    a new entry of the history. Returns the fields that changed ([]: already so)."""
    with unit.writing(engine) as u:
        return revert_change(u, change_id, source="app")
