"""Use cases around logged outcomes (docs/method.md#visiting, #phone-practice, #care-points).

- `log_outcome`: validate and append one event in a single transaction, then
  return the account's new stage and contact state so the UI updates at once;
  an order with no stop of its own counts for the route that visited the
  account within `roi.attribution_days`; a refusal that would pause the
  account needs `confirm_pause` (the dialog asks, the command wants --yes);
- `account_history`: orders and every logged outcome, newest first;
- `followups_due`: follow-ups due today or overdue, grouped by day;
- `refusal_preview`: what a refusal would do now (call again in ~6 months,
  or pause the account after the configured number of refusals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from fieldsales.config import Settings
from fieldsales.domain.clock import local_date, today_in
from fieldsales.domain.contact import ContactFact, ContactState, contact_state
from fieldsales.domain.dormancy import OutcomeFact, compute_stage
from fieldsales.domain.vocab import UNDO, Result
from fieldsales.i18n import N_
from fieldsales.services.outcome_form import OutcomeError, OutcomeInput, validate
from fieldsales.store import outcome_log, queries, unit
from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.accounts import get as get_account
from fieldsales.store.models import Account, Outcome

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

__all__ = ["OutcomeError", "OutcomeInput", "PauseNotConfirmed", "log_outcome", "validate"]


class PauseNotConfirmed(OutcomeError):
    """A refusal that would pause the account, logged without confirming it."""

    def __init__(self, state: ContactState) -> None:
        until = state.paused_until.isoformat() if state.paused_until else ""
        super().__init__(
            f"refusal {state.refusals} pauses the account until {until}; confirm to log it",
            N_("Refusal {n}: the account will not be proposed until {date}. Log it?"),
            n=state.refusals,
            date=until,
        )
        self.state = state


@dataclass(frozen=True)
class LoggedOutcome:
    id: str
    account_id: str
    stage: str
    contact: ContactState


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    kind: str  # "outcome" | "undo" | "last_order" | "first_order"
    channel: str | None = None
    result: str | None = None
    visit_stage: str | None = None
    next_action: str | None = None
    next_action_due: date | None = None
    amount: int | None = None
    notes: str | None = None
    rep: str | None = None
    superseded: bool = False
    id: str | None = None  # the outcome's id (outcomes and undos)
    occurred_at: datetime | None = None
    cost: int | None = None
    duration_minutes: int | None = None
    route_stop_id: str | None = None


@dataclass(frozen=True)
class FollowupItem:
    account_id: str
    company: str
    site: str | None
    phone: str | None
    due: date
    next_action: str | None
    last_result: str | None


@dataclass
class FollowupDay:
    day: date
    items: list[FollowupItem] = field(default_factory=list)


def _local_day(moment: datetime, zone: tzinfo | None) -> date:
    """The outcome's day in the working day's zone (config `timezone`)."""
    return local_date(moment, zone)


def state_of(
    account: Account,
    facts: list[tuple[datetime, str, date | None]],
    settings: Settings,
    today: date,
) -> tuple[str, ContactState]:
    zone = settings.zone()
    local = [(_local_day(occ, zone), res, due) for occ, res, due in facts]
    stage = compute_stage(
        account.last_order_date,
        account.purchase_cycle_days,
        today,
        (OutcomeFact(d, r) for d, r, _ in local),
        settings.dormancy,
    )
    contact = contact_state(
        (ContactFact(d, r, due) for d, r, due in local),
        settings.phone,
        settings.dormancy.positive_results,
    )
    return stage.value, contact


def log_outcome(
    engine: Engine,
    settings: Settings,
    data: OutcomeInput,
    *,
    today: date | None = None,
    confirm_pause: bool = True,
    account_changes: Mapping[str, Any] | None = None,
) -> LoggedOutcome:
    """Append one outcome; committed before this returns (nothing is lost after).

    `account_changes` (e.g. the name of the new contact met at the visit) are
    saved to the account in the same transaction, each kept in its history.

    `data.supersedes` makes it a correction of that outcome, which must be in
    effect (not already corrected or undone). With `confirm_pause` False a
    refusal that would pause the account raises PauseNotConfirmed, writing
    nothing.
    """
    today = today or today_in(settings.zone())
    validate(data, today=today, zone=settings.zone())
    with unit.writing(engine) as session:
        account = get_account(session, data.account_id)
        if account is None:
            raise OutcomeError(
                f"account {data.account_id}: not found (deleted by an import?)",
                N_("Account {account} no longer exists"),
                account=data.account_id,
            )
        if data.supersedes is not None:
            _check_correctable(session, data.supersedes, account.id)
        occurred_at = data.occurred_at or datetime.now(UTC)
        # a correction restates what happened: only a new refusal asks
        if data.result == Result.refused and not confirm_pause and data.supersedes is None:
            facts = queries.outcome_facts(session, [account.id]).get(account.id, [])
            preview = _refusal_after(facts, _local_day(occurred_at, settings.zone()), settings)
            if preview.paused_until is not None:
                raise PauseNotConfirmed(preview)
        stop_id = data.route_stop_id
        if stop_id is None and data.result == Result.order:
            stop_id = outcome_log.attributable_stop(
                session=session,
                account_id=account.id,
                day=_local_day(occurred_at, settings.zone()),
                attribution_days=settings.roi.attribution_days,
            )
        outcome = Outcome(
            account_id=account.id,
            rep=data.rep or settings.rep_name(),
            channel=data.channel,
            occurred_at=occurred_at,
            visit_stage=data.visit_stage,
            result=data.result,
            next_action=(data.next_action or "").strip() or None,
            next_action_due=data.next_action_due,
            order_amount=data.order_amount,
            cost=data.cost,
            duration_minutes=data.duration_minutes,
            notes=(data.notes or "").strip() or None,
            route_stop_id=stop_id,
            supersedes=data.supersedes,
        )
        outcome_log.add_outcome(session=session, outcome=outcome)
        if account_changes:
            update_account_fields(session, account.id, account_changes, source="app")
        facts = queries.outcome_facts(session, [account.id]).get(account.id, [])
        stage, contact = state_of(account, facts, settings, today)
        oid = outcome.id
    return LoggedOutcome(id=oid, account_id=data.account_id, stage=stage, contact=contact)


def find_account(engine: Engine, ref: str) -> tuple[str, str] | None:
    """(id, company) of the account named by id, external id or a unique id prefix."""
    with unit.reading(engine) as session:
        acc = queries.find_account(session, ref)
        return None if acc is None else (acc.id, acc.company)


def _check_correctable(session: Session, outcome_id: str, account_id: str) -> Outcome:
    target = outcome_log.get_outcome(session=session, outcome_id=outcome_id)
    if target is None or target.account_id != account_id:
        raise OutcomeError(
            f"outcome {outcome_id}: not found for this account",
            N_("That entry is not in this account's log"),
            id=outcome_id,
        )
    if target.result == UNDO or outcome_log.is_superseded(session=session, outcome_id=outcome_id):
        raise OutcomeError(
            f"outcome {outcome_id}: already corrected or undone; correct the newer entry",
            N_("That entry was already corrected or undone; correct the newer one"),
            id=outcome_id,
        )
    return target


def _refusal_after(
    facts: list[tuple[datetime, str, date | None]], day: date, settings: Settings
) -> ContactState:
    zone = settings.zone()
    local = [ContactFact(_local_day(o, zone), r, d) for o, r, d in facts]
    local.append(ContactFact(day, Result.refused.value, None))
    return contact_state(local, settings.phone, settings.dormancy.positive_results)


def refusal_preview(
    engine: Engine, settings: Settings, account_id: str, *, today: date | None = None
) -> ContactState:
    """The contact state the account would have if a refusal were logged today."""
    today = today or today_in(settings.zone())
    with unit.reading(engine) as session:
        facts = queries.outcome_facts(session, [account_id]).get(account_id, [])
    return _refusal_after(facts, today, settings)


def recontact_date(settings: Settings, today: date) -> date:
    return today + timedelta(days=settings.phone.recontact_after_refusal_days)


def account_history(
    engine: Engine, account_id: str, *, zone: tzinfo | None = None
) -> list[TimelineEntry]:
    """Orders and every logged outcome (corrected ones marked), newest first; an outcome's
    day is its date in `zone` (config `timezone`; None: the computer's zone)."""
    with unit.reading(engine) as session:
        account = get_account(session, account_id)
        if account is None:
            return []
        events = outcome_log.account_outcomes(session=session, account_id=account_id)
        replaced = outcome_log.superseded_ids(session=session, account_id=account_id)
    entries = [
        TimelineEntry(
            day=_local_day(o.occurred_at, zone),
            kind="undo" if o.result == UNDO else "outcome",
            channel=o.channel,
            result=o.result,
            visit_stage=o.visit_stage,
            next_action=o.next_action,
            next_action_due=o.next_action_due,
            amount=o.order_amount,
            notes=o.notes,
            rep=o.rep,
            superseded=o.id in replaced,
            id=o.id,
            occurred_at=o.occurred_at,
            cost=o.cost,
            duration_minutes=o.duration_minutes,
            route_stop_id=o.route_stop_id,
        )
        for o in events
    ]
    if account.last_order_date is not None:
        entries.append(
            TimelineEntry(
                day=account.last_order_date,
                kind="last_order",
                notes=account.last_product,
            )
        )
    if account.first_order_date is not None and account.first_order_date != account.last_order_date:
        entries.append(TimelineEntry(day=account.first_order_date, kind="first_order"))
    # Stable sort keeps same-day outcomes newest first (as the query returned them).
    entries.sort(key=lambda e: e.day, reverse=True)
    return entries


def followups_due(
    engine: Engine, settings: Settings, *, today: date | None = None
) -> list[FollowupDay]:
    """Follow-ups due today or overdue, oldest day first; paused and do-not-contact left out."""
    today = today or today_in(settings.zone())
    zone = settings.zone()
    with unit.reading(engine) as session:
        facts = queries.outcome_facts(session)
        due: dict[str, date] = {}
        for account_id, events in facts.items():
            local = [ContactFact(_local_day(o, zone), r, d) for o, r, d in events]
            state = contact_state(local, settings.phone, settings.dormancy.positive_results)
            if state.is_paused(today) or state.next_followup is None:
                continue
            if state.next_followup <= today:
                due[account_id] = state.next_followup
        ids = list(due)
        accounts = outcome_log.accounts_by_id(session=session, account_ids=ids)
        latest = outcome_log.latest_outcome_per_account(session=session, account_ids=ids)
        # what the follow-up is: the newest outcome in effect that set its date
        # (a later "no answer" keeps it and has no text of its own)
        setting = {
            account_id: next(
                (
                    o
                    for o in outcome_log.account_outcomes(
                        session=session, account_id=account_id, include_superseded=False
                    )
                    if o.next_action_due == day or o.result == Result.refused
                ),
                None,
            )
            for account_id, day in due.items()
        }
    days: dict[date, FollowupDay] = defaultdict(lambda: FollowupDay(date.min))
    for account_id, day in due.items():
        acc = accounts.get(account_id)
        if acc is None or acc.do_not_contact:
            continue
        last = latest.get(account_id)
        source = setting.get(account_id) or last
        group = days[day]
        group.day = day
        group.items.append(
            FollowupItem(
                account_id=account_id,
                company=acc.company,
                site=acc.site,
                phone=acc.phone,
                due=day,
                next_action=source.next_action if source else None,
                last_result=last.result if last else None,
            )
        )
    out = sorted(days.values(), key=lambda g: g.day)
    for g in out:
        g.items.sort(key=lambda i: i.company)
    return out
