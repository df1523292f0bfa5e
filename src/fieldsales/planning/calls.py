"""The day's call list (docs/method.md#channel-fit, #phone-practice): the accounts whose best channel
today is the phone, ordered by expected value, sized to the phone windows.

An account is on it when the phone is the best channel it has today: visited
accounts are not called, so the phone competes with DM and email only, and a
tie goes to the channel order of the account's dormancy reason (talk
scripts, docs/method.md#dormancy-reasons). A △ fit needs its reason, a × fit never calls.
`phone_script` is a call's talk script (the Plan screen, the sheets, JSON).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.config import Settings
from fieldsales.domain import channels
from fieldsales.domain.scripts import TalkScripts
from fieldsales.planning.candidates import (
    account_values,
    cached_array,
    contact_codes,
    stage_ok,
    static_reasons,
)
from fieldsales.planning.day_model import seconds_of
from fieldsales.planning.planned_day import Call
from fieldsales.services.rank_table import RankTable

# outside the field, the phone competes with these (a visit is a day's route)
_REMOTE = {"phone", "dm", "email"}


def _channel_order(settings: Settings, reason: str) -> tuple[str, ...]:
    """The channel order of a dormancy reason's approach (the talk scripts in effect:
    the team's published ones, else the local file)."""
    from fieldsales.services.published import scripts_for

    try:
        return _order_of(scripts_for(settings), reason, settings.language)
    except Exception:  # scripts unreadable: the fit table alone decides
        return ()


@functools.lru_cache(maxsize=64)
def _order_of(scripts: TalkScripts, reason: str, language: str) -> tuple[str, ...]:
    return scripts.approach(reason, language).channels


def slots(settings: Settings) -> list[int]:
    """Call start times (seconds) in the phone windows, one call length apart."""
    step = int(settings.phone.max_minutes * 60)
    out: list[int] = []
    for a, b in settings.phone.best_windows:
        t, end = seconds_of(a), seconds_of(b)
        while t + step <= end:
            out.append(t)
            t += step
    return out[: settings.phone.max_calls_per_day]


def phone_is_best(settings: Settings, ranks: Sequence[str], reasons: Sequence[str]) -> list[bool]:
    memo: dict[tuple[str, str], bool] = {}
    out = []
    for r, q in zip(ranks, reasons, strict=True):
        key = (r, q)
        if key not in memo:
            best = channels.best_channel(settings.channels, r, _channel_order(settings, q), _REMOTE)
            memo[key] = best == "phone"
        out.append(memo[key])
    return out


def call_list(
    ranked: RankTable,
    day: date,
    settings: Settings,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[Call]:
    """The day's calls, best expected value first, with their suggested slots."""
    times = slots(settings)
    if not times:
        return []
    b, idx = ranked.base, ranked.indices
    ok = (contact_codes(b, idx, day, settings) == 0) & stage_ok(b, idx, settings)
    if skip:
        index = b.id_index()
        ok &= ~np.isin(idx, [index[a] for a in skip if a in index])
    pos = idx[ok]
    ranks = np.asarray(b.ranks[pos])
    fit = channels.fit_many(settings.channels, "phone", ranks)
    why = static_reasons(b, pos, day, settings)
    allowed = (fit >= 2) | ((fit == 1) & (why > 0))
    why[fit != 1] = 0  # a reason is shown only where the fit needs one (△)
    pos, ranks, why = pos[allowed], ranks[allowed], why[allowed]
    reasons = cached_array(b, "reason_array", b.reason)[pos]
    best: npt.NDArray[np.bool_] = np.array(
        phone_is_best(settings, ranks.tolist(), reasons.tolist()), dtype=bool
    )
    pos, why = pos[best], why[best]
    values = account_values(b, pos, settings, "phone")
    order = np.argsort(-values, kind="stable")[: len(times)]
    return [
        Call(
            b.ids[int(pos[k])],
            float(values[k]),
            channels.STATIC_WHY.get(int(why[k]), channels.WHY_FIT),
            times[n],
            channels.fit(settings.channels, "phone", str(b.ranks[int(pos[k])])),
        )
        for n, k in enumerate(order.tolist())
    ]


def phone_script(a: Any, settings: Settings, day: date) -> str:
    """The phone talk script for the account's main dormancy reason (docs/method.md#phone-practice)."""
    from fieldsales.domain.scripts import ScriptFacts
    from fieldsales.services.published import scripts_for

    facts = ScriptFacts(
        a.company, a.site, a.contact_name, a.last_order_date, a.last_product, settings.rep_name()
    )
    scripts = scripts_for(settings)  # the team's published ones, else the local file
    return scripts.render(a.main_reason, facts, settings.language, day).phone_script
