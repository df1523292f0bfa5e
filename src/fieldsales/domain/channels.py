"""docs/method.md#channel-fit: the rank x channel fit decides the work, not only the rank.

◎ (best) and ○ (good) make an account a candidate for a channel; △ (reason)
only with a reason (a positive reaction logged, a follow-up due, or a stop
already planned close by); × (no) never. The table and the reasons live in
config.yaml (`channels`); this module only reads them, one account at a time
(the reference) or for every account at once (numpy, the planner at scale).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from fieldsales.config import Channels

CHANNELS = ("visit", "phone", "dm", "email")
FIT_ORDER = {"best": 3, "good": 2, "reason": 1, "no": 0}
FIT_SYMBOL = {"best": "◎", "good": "○", "reason": "△", "no": "×"}

# why an account is in a plan: the fit itself, or the reason that let a △ in
WHY_FIT = "fit"
WHY_POSITIVE = "positive_reaction"
WHY_FOLLOWUP = "followup_due"
WHY_NEAR = "near_stop"
WHY_KEPT = "kept"  # on the rep's saved plan: the rep's own choice, like an appointment


def fit(cfg: Channels, channel: str, rank: str) -> str:
    """best | good | reason | no for one rank and channel."""
    return cfg.fit[channel][rank]  # type: ignore[index]


def fit_many(cfg: Channels, channel: str, ranks: npt.NDArray[np.str_]) -> npt.NDArray[np.int8]:
    """FIT_ORDER values (3 best .. 0 no) for an array of ranks."""
    table = cfg.fit[channel]  # type: ignore[index]
    out = np.zeros(len(ranks), dtype=np.int8)
    for rank, f in table.items():
        out[ranks == rank] = FIT_ORDER[f]
    return out


def static_reason(cfg: Channels, *, positive_reaction: bool, followup_due: bool) -> str | None:
    """The reason that lets a △ account in before any stop is planned, or None."""
    if cfg.reasons.positive_reaction and positive_reaction:
        return WHY_POSITIVE
    if cfg.reasons.followup_due and followup_due:
        return WHY_FOLLOWUP
    return None


def static_reason_many(
    cfg: Channels,
    positive_reaction: npt.NDArray[np.bool_],
    followup_due: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int8]:
    """0 none, 1 positive reaction, 2 follow-up due (the first that applies)."""
    out = np.zeros(len(positive_reaction), dtype=np.int8)
    if cfg.reasons.followup_due:
        out[followup_due] = 2
    if cfg.reasons.positive_reaction:
        out[positive_reaction] = 1
    return out


STATIC_WHY = {1: WHY_POSITIVE, 2: WHY_FOLLOWUP}


def best_channel(cfg: Channels, rank: str, reason_order: Sequence[str], allowed: set[str]) -> str:
    """The channel with the best fit among `allowed`; ties go to the reason's
    channel order (docs/method.md#dormancy-reasons), then to the order of CHANNELS."""

    def key(ch: str) -> tuple[int, int, int]:
        pos = reason_order.index(ch) if ch in reason_order else len(reason_order)
        return (-FIT_ORDER[fit(cfg, ch, rank)], pos, CHANNELS.index(ch))

    return min((c for c in CHANNELS if c in allowed), key=key)


def describe(cfg: Channels, channel: str, rank: str, why: str) -> str:
    """Short text for a plan: 'A ◎' or 'C △ follow-up'."""
    return describe_fit(fit(cfg, channel, rank), rank, why)


# one short word per reason, so that "why" fits a table column
WHY_WORD = {
    WHY_POSITIVE: "reacted",
    WHY_FOLLOWUP: "follow-up",
    WHY_NEAR: "nearby",
    WHY_KEPT: "saved",
}


def describe_fit(f: str, rank: str, why: str) -> str:
    sym = FIT_SYMBOL.get(f, "?")
    if why in ("", WHY_FIT):
        return f"{rank} {sym}"
    return f"{rank} {sym} {WHY_WORD.get(why, why)}"
