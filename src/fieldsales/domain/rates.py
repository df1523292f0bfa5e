"""Appointment and close rates learned from logged outcomes (issue 14, section 4).

Beta-Binomial shrinkage toward the config.yaml rates: a rate whose config
value is p0 weighs as `roi.prior_strength` (k) observations already seen at
p0, so after s successes in n trials the learned rate is the posterior mean

    (k x p0 + s) / (k + n)

which is p0 with no data and moves to s / n as data grows.

What is counted (per account and channel, outcomes in effect only):
- a contact: the account was contacted by that channel (any result, "no
  answer" included: the config rates are per account contacted, docs/method.md#roi);
- an appointment: among those, an appointment or an order was logged (an
  order passed the appointment step); "next action" is not one: it is a
  lighter step (material, a call back);
- a close: among the appointments, an order was logged.

The rates:
- appointment, per rank and channel: prior = roi.rates from config (the rank's
  appointment rate x the channel's success factor);
- close, per rank: prior = roi.close_rate[rank], data pooled over channels;
  then per rank and channel, shrunk toward that learned rank rate, so a
  channel moves away from its rank only where it has data of its own.
The rank's "all" row (shown, not used by the planner) pools the channels
against the config rates of the same mix of contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fieldsales.config import Settings
from fieldsales.domain import roi

RANKS = ("A", "B", "C", "D")
CHANNELS = ("visit", "phone", "email", "dm")
ALL = "all"


@dataclass(frozen=True)
class Counts:
    contacts: int = 0
    appointments: int = 0  # among the contacts
    closes: int = 0  # among the appointments


@dataclass(frozen=True)
class LearnedRate:
    rank: str
    channel: str  # a channel, or ALL for the rank as a whole
    counts: Counts
    prior_appointment: float
    prior_close: float
    appointment: float
    close: float


def posterior_mean(prior: float, strength: float, successes: int, trials: int) -> float:
    """Mean of Beta(k p0 + s, k (1 - p0) + n - s): the shrunk rate."""
    if strength + trials <= 0:
        return prior
    return (strength * prior + successes) / (strength + trials)


def learn(counts: Mapping[tuple[str, str], Counts], settings: Settings) -> list[LearnedRate]:
    """Every rank's ALL row then its channels, A to D; missing counts are zeros."""
    k = settings.roi.prior_strength
    out: list[LearnedRate] = []
    for rank in RANKS:
        cells = {c: counts.get((rank, c), Counts()) for c in CHANNELS}
        pooled = Counts(
            sum(x.contacts for x in cells.values()),
            sum(x.appointments for x in cells.values()),
            sum(x.closes for x in cells.values()),
        )
        close0 = settings.roi.close_rate[rank]  # type: ignore[index]
        rank_close = posterior_mean(close0, k, pooled.closes, pooled.appointments)
        rows: list[LearnedRate] = []
        for c, n in cells.items():
            appt0 = roi.rates(rank, c, settings)[0]
            rows.append(
                LearnedRate(
                    rank=rank,
                    channel=c,
                    counts=n,
                    prior_appointment=appt0,
                    prior_close=rank_close,
                    appointment=posterior_mean(appt0, k, n.appointments, n.contacts),
                    close=posterior_mean(rank_close, k, n.closes, n.appointments),
                )
            )
        if pooled.contacts:
            mix = sum(r.prior_appointment * r.counts.contacts for r in rows) / pooled.contacts
        else:
            mix = settings.roi.appointment_rate[rank]  # type: ignore[index]
        out.append(
            LearnedRate(
                rank=rank,
                channel=ALL,
                counts=pooled,
                prior_appointment=mix,
                prior_close=close0,
                appointment=posterior_mean(mix, k, pooled.appointments, pooled.contacts),
                close=rank_close,
            )
        )
        out.extend(rows)
    return out


def learned_rates(
    counts: Mapping[tuple[str, str], Counts], settings: Settings
) -> dict[tuple[str, str], tuple[float, float]]:
    """(rank, channel) -> (P(appointment), P(close)) for every rank and channel:
    the `learned` argument of domain.roi.rates. With no counts these equal
    roi.rates(rank, channel, settings)."""
    return {
        (r.rank, r.channel): (r.appointment, r.close)
        for r in learn(counts, settings)
        if r.channel != ALL
    }
