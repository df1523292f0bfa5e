"""Use cases around logged outcomes (METHOD sections 4, 5, 8).

- `log_outcome`: validate and append one event in a single transaction, then
  return the account's new stage and contact state so the UI updates at once;
- `account_history`: orders and every logged outcome, newest first;
- `followups_due`: follow-ups due today or overdue, grouped by day;
- `refusal_preview`: what a refusal would do now (call again in ~6 months,
  or pause the account after the configured number of refusals).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldsales.config import Settings
from fieldsales.domain.contact import ContactFact, ContactState, contact_state
from fieldsales.domain.dormancy import OutcomeFact, compute_stage
from fieldsales.domain.vocab import Channel, Result, VisitStage
from fieldsales.store import outcome_log, queries
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, Outcome


class OutcomeError(ValueError):
    """An outcome that cannot be saved; the message says which field and why."""


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


@dataclass(frozen=True)
class LoggedOutcome:
    id: str
    account_id: str
    stage: str
    contact: ContactState


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    kind: str  # "outcome" | "last_order" | "first_order"
    channel: str | None = None
    result: str | None = None
    visit_stage: str | None = None
    next_action: str | None = None
    next_action_due: date | None = None
    amount: int | None = None
    notes: str | None = None
    rep: str | None = None
    superseded: bool = False


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


def validate(data: OutcomeInput) -> None:
    """Raise OutcomeError on the first field a user must fix."""
    if data.channel not in Channel.__members__:
        raise OutcomeError(f"channel: {data.channel!r} is not one of {', '.join(Channel)}")
    if data.result not in Result.__members__:
        raise OutcomeError(f"result: {data.result!r} is not one of {', '.join(Result)}")
    if data.visit_stage not in VisitStage.__members__:
        raise OutcomeError(f"visit stage: {data.visit_stage!r} is not valid")
    if data.channel != Channel.visit and data.visit_stage != VisitStage.none:
        raise OutcomeError("visit stage: only a visit has a stage")
    for name in ("order_amount", "cost", "duration_minutes"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise OutcomeError(f"{name.replace('_', ' ')}: must be 0 or more, got {value}")
    if data.occurred_at is not None and data.occurred_at.tzinfo is None:
        raise OutcomeError("occurred at: must carry a time zone")


def _local_day(moment: datetime) -> date:
    return moment.astimezone().date()


def _state_of(
    account: Account,
    facts: list[tuple[datetime, str, date | None]],
    settings: Settings,
    today: date,
) -> tuple[str, ContactState]:
    local = [(_local_day(occ), res, due) for occ, res, due in facts]
    stage = compute_stage(
        account.last_order_date,
        account.purchase_cycle_days,
        today,
        (OutcomeFact(d, r) for d, r, _ in local),
        settings.dormancy,
    )
    contact = contact_state((ContactFact(d, r, due) for d, r, due in local), settings.phone)
    return stage.value, contact


def log_outcome(
    engine: Engine, settings: Settings, data: OutcomeInput, *, today: date | None = None
) -> LoggedOutcome:
    """Append one outcome; committed before this returns (nothing is lost after)."""
    validate(data)
    today = today or date.today()
    with session_scope(engine) as session:
        account = session.get(Account, data.account_id)
        if account is None:
            raise OutcomeError(f"account {data.account_id}: not found (deleted by an import?)")
        outcome = Outcome(
            account_id=account.id,
            rep=data.rep or settings.rep_name(),
            channel=data.channel,
            occurred_at=data.occurred_at or datetime.now(UTC),
            visit_stage=data.visit_stage,
            result=data.result,
            next_action=(data.next_action or "").strip() or None,
            next_action_due=data.next_action_due,
            order_amount=data.order_amount,
            cost=data.cost,
            duration_minutes=data.duration_minutes,
            notes=(data.notes or "").strip() or None,
            route_stop_id=data.route_stop_id,
        )
        outcome_log.add_outcome(session=session, outcome=outcome)
        facts = queries.outcome_facts(session, [account.id]).get(account.id, [])
        stage, contact = _state_of(account, facts, settings, today)
        oid = outcome.id
    return LoggedOutcome(id=oid, account_id=data.account_id, stage=stage, contact=contact)


def refusal_preview(
    engine: Engine, settings: Settings, account_id: str, *, today: date | None = None
) -> ContactState:
    """The contact state the account would have if a refusal were logged today."""
    today = today or date.today()
    with Session(engine) as session:
        facts = queries.outcome_facts(session, [account_id]).get(account_id, [])
    local = [ContactFact(_local_day(o), r, d) for o, r, d in facts]
    local.append(ContactFact(today, Result.refused.value, None))
    return contact_state(local, settings.phone)


def recontact_date(settings: Settings, today: date) -> date:
    return today + timedelta(days=settings.phone.recontact_after_refusal_days)


def account_history(engine: Engine, account_id: str) -> list[TimelineEntry]:
    """Orders and every logged outcome (corrected ones marked), newest first."""
    with Session(engine) as session:
        account = session.get(Account, account_id)
        if account is None:
            return []
        events = outcome_log.account_outcomes(session=session, account_id=account_id)
        replaced = outcome_log.superseded_ids(session=session, account_id=account_id)
    entries = [
        TimelineEntry(
            day=_local_day(o.occurred_at),
            kind="outcome",
            channel=o.channel,
            result=o.result,
            visit_stage=o.visit_stage,
            next_action=o.next_action,
            next_action_due=o.next_action_due,
            amount=o.order_amount,
            notes=o.notes,
            rep=o.rep,
            superseded=o.id in replaced,
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
    today = today or date.today()
    with Session(engine) as session:
        facts = queries.outcome_facts(session)
        due: dict[str, date] = {}
        for account_id, events in facts.items():
            local = [ContactFact(_local_day(o), r, d) for o, r, d in events]
            state = contact_state(local, settings.phone)
            if state.is_paused(today) or state.next_followup is None:
                continue
            if state.next_followup <= today:
                due[account_id] = state.next_followup
        ids = list(due)
        accounts = outcome_log.accounts_by_id(session=session, account_ids=ids)
        latest = outcome_log.latest_outcome_per_account(session=session, account_ids=ids)
    days: dict[date, FollowupDay] = defaultdict(lambda: FollowupDay(date.min))
    for account_id, day in due.items():
        acc = accounts.get(account_id)
        if acc is None or acc.do_not_contact:
            continue
        last = latest.get(account_id)
        group = days[day]
        group.day = day
        group.items.append(
            FollowupItem(
                account_id=account_id,
                company=acc.company,
                site=acc.site,
                phone=acc.phone,
                due=day,
                next_action=last.next_action if last else None,
                last_result=last.result if last else None,
            )
        )
    out = sorted(days.values(), key=lambda g: g.day)
    for g in out:
        g.items.sort(key=lambda i: i.company)
    return out
