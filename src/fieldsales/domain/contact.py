"""Contact state of an account from its logged outcomes (docs/method.md#phone-practice, #care-points).

- a pending follow-up (the due date of a next action) stays pending until an
  outcome completes it or replaces it:
  - an outcome with a next-action due date replaces it with that date;
  - a refusal without one replaces it with a call again after
    `recontact_after_refusal_days`;
  - a result in `followup_done_by` (default: appointment, order: the next step
    was reached) completes it;
  - anything else keeps it: "no answer", "contacted" or "interested" without
    a new date mean the follow-up is still owed, so it stays on the list;
- `refusals_before_pause` refusals pause the account for
  `pause_after_refusals_days`: it is not proposed until then; refusals count
  since the last positive reaction (config `dormancy.positive_results`, passed
  in as `positive`: no other list of them exists).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from fieldsales.config import Phone
from fieldsales.domain.vocab import Result


@dataclass(frozen=True)
class ContactFact:
    occurred: date
    result: str
    next_action_due: date | None = None


@dataclass(frozen=True)
class ContactState:
    last_contact: date | None
    next_followup: date | None
    refusals: int
    paused_until: date | None

    def is_paused(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until > today


def contact_state(
    facts: Iterable[ContactFact], cfg: Phone, positive: Collection[str]
) -> ContactState:
    """`positive`: the results that count as a positive reaction (config
    dormancy.positive_results)."""
    ordered = sorted(facts, key=lambda f: f.occurred)
    if not ordered:
        return ContactState(None, None, 0, None)
    latest = ordered[-1]
    done = set(cfg.followup_done_by)
    # Refusals count since the last positive reaction: a revived account that
    # refuses years later starts again from one.
    last_positive = max((i for i, f in enumerate(ordered) if f.result in positive), default=-1)
    refusal_dates = [f.occurred for f in ordered[last_positive + 1 :] if f.result == Result.refused]
    followup: date | None = None
    for f in ordered:
        if f.next_action_due is not None:
            followup = f.next_action_due
        elif f.result == Result.refused:
            followup = f.occurred + timedelta(days=cfg.recontact_after_refusal_days)
        elif f.result in done:
            followup = None
    paused_until = None
    if len(refusal_dates) >= cfg.refusals_before_pause:
        paused_until = refusal_dates[-1] + timedelta(days=cfg.pause_after_refusals_days)
        followup = None
    return ContactState(
        last_contact=latest.occurred,
        next_followup=followup,
        refusals=len(refusal_dates),
        paused_until=paused_until,
    )


@dataclass
class ContactArrays:
    """contact_state() of n accounts as arrays (NaT where there is no date)."""

    last_contact: npt.NDArray[np.datetime64]
    next_followup: npt.NDArray[np.datetime64]
    refusals: npt.NDArray[np.int64]
    paused_until: npt.NDArray[np.datetime64]

    def state(self, i: int) -> ContactState:
        def d(x: np.datetime64) -> date | None:
            return None if np.isnat(x) else x.astype(date)

        return ContactState(
            d(self.last_contact[i]),
            d(self.next_followup[i]),
            int(self.refusals[i]),
            d(self.paused_until[i]),
        )


def contact_many(
    n: int,
    ev_account: npt.NDArray[np.intp],
    ev_day: npt.NDArray[np.datetime64],
    ev_result: npt.NDArray[np.str_],
    ev_due: npt.NDArray[np.datetime64],
    cfg: Phone,
    positive: Collection[str],
) -> ContactArrays:
    """contact_state() for n accounts at once. Events must be in time order
    (ties keep their given order, as in contact_state); contact_state stays the
    reference and a property test checks that both agree."""
    nat = np.datetime64("NaT", "D")
    last_contact = np.full(n, nat)
    followup = np.full(n, nat)
    refusals = np.zeros(n, dtype=np.int64)
    paused = np.full(n, nat)
    m = len(ev_account)
    if m == 0:
        return ContactArrays(last_contact, followup, refusals, paused)
    # group by account, keeping time order inside a group (lexsort is stable)
    order = np.lexsort((np.arange(m), ev_account))
    acc, day = ev_account[order], ev_day[order].astype("datetime64[D]")
    res, due = ev_result[order], ev_due[order].astype("datetime64[D]")
    pos = np.arange(m)
    last_idx = np.full(n, -1)
    np.maximum.at(last_idx, acc, pos)
    has = last_idx >= 0
    li = last_idx[has]
    last_contact[has] = day[li]
    # the follow-up is decided by the last event that sets, replaces or
    # completes one; events that keep it ("no answer", ...) are skipped
    is_refused = res == Result.refused
    decides = ~np.isnat(due) | is_refused | np.isin(res, list(cfg.followup_done_by))
    last_dec = np.full(n, -1)
    np.maximum.at(last_dec, acc[decides], pos[decides])
    dec = last_dec >= 0
    di = last_dec[dec]
    fu = due[di].copy()
    recontact = is_refused[di] & np.isnat(fu)
    fu[recontact] = day[di][recontact] + np.timedelta64(cfg.recontact_after_refusal_days, "D")
    followup[dec] = fu
    is_pos = np.isin(res, [str(r) for r in positive])
    last_pos = np.full(n, -1)
    np.maximum.at(last_pos, acc[is_pos], pos[is_pos])
    counted = (res == Result.refused) & (pos > last_pos[acc])
    refusals = np.bincount(acc[counted], minlength=n).astype(np.int64)
    last_ref = np.full(n, -1)
    np.maximum.at(last_ref, acc[counted], pos[counted])
    pause = refusals >= cfg.refusals_before_pause
    paused[pause] = day[last_ref[pause]] + np.timedelta64(cfg.pause_after_refusals_days, "D")
    followup[pause] = nat
    return ContactArrays(last_contact, followup, refusals, paused)
