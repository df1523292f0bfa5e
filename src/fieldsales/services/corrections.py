"""Undo the last logged outcome, and take an undo back (corrections: log_outcome with supersedes).

Nothing is edited in place or deleted: every step is a new event naming the
one it replaces in `supersedes`, and the replaced one stays in the log.

- undoing an outcome that corrected an earlier one brings the earlier
  version back (a copy of it replaces the correction);
- undoing any other outcome writes an `undo` event (no contact of its own);
- taking an undo back writes a copy of the undone outcome that replaces the
  undo event, so the history reads as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from fieldsales.config import Settings
from fieldsales.domain.clock import local_date, today_in
from fieldsales.domain.contact import ContactState
from fieldsales.domain.vocab import UNDO
from fieldsales.i18n import N_
from fieldsales.services.outcome_form import OutcomeError
from fieldsales.services.outcomes import state_of
from fieldsales.store import outcome_log, queries, unit
from fieldsales.store.accounts import get as get_account
from fieldsales.store.models import Outcome

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

# a copy stands for the same contact: same rep, same day, same facts
_COPIED = (
    "account_id",
    "rep",
    "channel",
    "occurred_at",
    "visit_stage",
    "result",
    "next_action",
    "next_action_due",
    "order_amount",
    "cost",
    "duration_minutes",
    "notes",
    "route_stop_id",
)


@dataclass(frozen=True)
class Undone:
    event_id: str  # the new event: pass it to take_back_undo
    undone_id: str  # the outcome taken back
    channel: str
    result: str
    day: date
    stage: str
    contact: ContactState


def _copy(source: Outcome, *, supersedes: str) -> Outcome:
    return Outcome(**{name: getattr(source, name) for name in _COPIED}, supersedes=supersedes)


def _state(
    session: Session, account_id: str, settings: Settings, today: date
) -> tuple[str, ContactState]:
    account = get_account(session, account_id)
    if account is None:
        raise OutcomeError(
            f"account {account_id}: not found",
            N_("Account {account} no longer exists"),
            account=account_id,
        )
    facts = queries.outcome_facts(session, [account_id]).get(account_id, [])
    return state_of(account, facts, settings, today)


def undo_last(
    engine: Engine, settings: Settings, account_id: str, *, today: date | None = None
) -> Undone:
    """Take back the account's outcome logged last; OutcomeError when there is none."""
    today = today or today_in(settings.zone())
    rep = settings.rep_name()
    with unit.writing(engine) as session:
        target = outcome_log.last_logged(session=session, account_id=account_id)
        if target is None:
            raise OutcomeError(
                "nothing to undo for this account", N_("Nothing to undo for this account.")
            )
        earlier = (
            outcome_log.get_outcome(session=session, outcome_id=target.supersedes)
            if target.supersedes
            else None
        )
        if earlier is not None and earlier.result != UNDO:
            event = _copy(earlier, supersedes=target.id)
        else:
            event = Outcome(
                account_id=account_id,
                rep=rep,
                channel=target.channel,
                # when it was undone, on the app's calendar day (in config `timezone`)
                occurred_at=datetime.combine(
                    today, datetime.now(settings.zone()).time(), settings.zone()
                ).astimezone(UTC),
                result=UNDO,
                supersedes=target.id,
            )
        outcome_log.add_outcome(session=session, outcome=event)
        stage, contact = _state(session, account_id, settings, today)
        return Undone(
            event_id=event.id,
            undone_id=target.id,
            channel=target.channel,
            result=target.result,
            day=local_date(target.occurred_at, settings.zone()),
            stage=stage,
            contact=contact,
        )


def take_back_undo(
    engine: Engine, settings: Settings, event_id: str, *, today: date | None = None
) -> Undone:
    """Undo an undo: the outcome it took back is in effect again (as a new event)."""
    today = today or today_in(settings.zone())
    with unit.writing(engine) as session:
        event = outcome_log.get_outcome(session=session, outcome_id=event_id)
        if event is None or event.supersedes is None:
            raise OutcomeError(f"{event_id}: not an undo", N_("There is no undo to take back."))
        if outcome_log.is_superseded(session=session, outcome_id=event_id):
            raise OutcomeError(
                "this undo was already taken back", N_("This undo was already taken back.")
            )
        undone = outcome_log.get_outcome(session=session, outcome_id=event.supersedes)
        if undone is None:
            raise OutcomeError(
                f"{event.supersedes}: not found", N_("There is no undo to take back.")
            )
        copy = _copy(undone, supersedes=event.id)
        outcome_log.add_outcome(session=session, outcome=copy)
        stage, contact = _state(session, undone.account_id, settings, today)
        return Undone(
            event_id=copy.id,
            undone_id=event.id,
            channel=undone.channel,
            result=undone.result,
            day=local_date(undone.occurred_at, settings.zone()),
            stage=stage,
            contact=contact,
        )
