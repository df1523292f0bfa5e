"""A planned day as the app holds it: the model, the verified plan, and what goes with it.

`PlannedDay` carries the day's candidates' accounts, why the others are
excluded, the planned ROI, the rep's locks, the saved route's id and the
call list; `PinRequest` is an appointment asked for, `Call` one call of the
call list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from fieldsales.config import Settings
from fieldsales.domain.roi import DayRoi, VisitEconomics, planned_roi, roi_from
from fieldsales.planning.day_model import DayModel, DayPlan
from fieldsales.services.rank_table import RankedAccount


@dataclass(frozen=True)
class PinRequest:
    """A fixed appointment asked for by the rep: account id/external id at HH:MM."""

    account: str
    at: time


@dataclass(frozen=True)
class Call:
    """One call of the day's call list (docs/method.md#phone-practice)."""

    account_id: str
    value: float  # expected gross profit of the call in yen (or the score)
    why: str  # domain.channels: "fit" or the reason that let a △ in
    slot_s: int  # suggested start, seconds since local midnight, in a phone window
    fit: str = "good"  # the phone's fit for the account's rank (domain.channels)


@dataclass
class PlannedDay:
    model: DayModel
    plan: DayPlan
    accounts: dict[str, RankedAccount]  # the day's candidates, pins and calls, by id
    excluded: Mapping[str, str]  # account id -> reason
    roi: DayRoi
    locked: set[str] = field(default_factory=set)
    route_id: str | None = None
    calls: list[Call] = field(default_factory=list)

    def account(self, account_id: str) -> RankedAccount:
        return self.accounts[account_id]


def local_dt(day: date, seconds: int, zone: tzinfo | None = None) -> datetime:
    """Seconds since midnight -> aware datetime in `zone` (config `timezone`);
    without a zone, the computer's own."""
    if zone is None:
        return (datetime.combine(day, time(0)) + timedelta(seconds=seconds)).astimezone()
    # wall-clock arithmetic within one zone: 09:04 stays 09:04 on a DST day too
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=seconds)


def day_roi(plan: DayPlan, accounts: dict[str, RankedAccount], settings: Settings) -> DayRoi:
    """The ROI (docs/method.md#roi) of the planned day.

    Under the expected_profit objective the gross profit is exactly what the
    planner maximised: the stops' collected values (yen), so the ROI shown is
    the optimised quantity.
    """
    if settings.visits.objective == "expected_profit" and plan.cost_per_km > 0:
        profit = sum(s.value for s in plan.stops)
        revenue = 0.0
        for s in plan.stops:
            margin = accounts[s.account_id].gross_margin
            revenue += s.value / (margin if margin else settings.roi.gross_margin)
        return roi_from(profit, revenue, plan.km, settings.roi)
    visits = [
        VisitEconomics(
            accounts[s.account_id].rank,
            accounts[s.account_id].average_order,
            accounts[s.account_id].gross_margin,
        )
        for s in plan.stops
    ]
    return planned_roi(visits, plan.km, settings.roi)
