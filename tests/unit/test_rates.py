"""Rates learned by Beta-Binomial shrinkage toward the config rates (issue 14, section 4)."""

from __future__ import annotations

import pytest

from fieldsales.config import default_settings
from fieldsales.domain import roi
from fieldsales.domain.rates import ALL, CHANNELS, RANKS, Counts, learn, learned_rates

S = default_settings()


def test_with_no_data_they_equal_the_config_rates() -> None:
    learned = learned_rates({}, S)
    assert set(learned) == {(r, c) for r in RANKS for c in CHANNELS}
    for (rank, channel), pair in learned.items():
        assert pair == roi.rates(rank, channel, S)
        assert roi.rates(rank, channel, S, learned=learned) == roi.rates(rank, channel, S)
    for row in learn({}, S):
        if row.channel == ALL:
            assert row.appointment == S.roi.appointment_rate[row.rank]  # type: ignore[index]
            assert row.close == S.roi.close_rate[row.rank]  # type: ignore[index]


def test_with_counts_the_posterior_mean_worked_by_hand() -> None:
    s = S.model_copy(update={"roi": S.roi.model_copy(update={"prior_strength": 10.0})})
    counts = {("B", "phone"): Counts(contacts=30, appointments=9, closes=6),
              ("B", "visit"): Counts(contacts=10, appointments=4, closes=1)}  # fmt: skip
    learned = learned_rates(counts, s)
    # B phone appointments: prior 0.20 x 0.625 = 0.125, k = 10:
    # (10 x 0.125 + 9) / (10 + 30) = 10.25 / 40
    assert learned[("B", "phone")][0] == pytest.approx(10.25 / 40)
    # B visit: (10 x 0.20 + 4) / (10 + 10) = 6 / 20
    assert learned[("B", "visit")][0] == pytest.approx(6 / 20)
    # close per rank, pooled: 7 closes of 13 appointments, prior 0.40:
    # (10 x 0.40 + 7) / (10 + 13) = 11 / 23
    rank_close = 11 / 23
    # per channel, shrunk toward the rank's learned close rate
    assert learned[("B", "phone")][1] == pytest.approx((10 * rank_close + 6) / (10 + 9))
    assert learned[("B", "visit")][1] == pytest.approx((10 * rank_close + 1) / (10 + 4))
    # a channel with no data keeps the config appointment rate and the rank's close rate
    assert learned[("B", "email")] == pytest.approx((0.20 * 0.125, rank_close))
    # other ranks are untouched
    assert learned[("A", "visit")] == roi.rates("A", "visit", s)
    # roi.rates reads them when given
    assert roi.rates("B", "phone", s, learned=learned) == learned[("B", "phone")]
    # the table shows prior, counts and learned side by side
    [b_all] = [r for r in learn(counts, s) if r.rank == "B" and r.channel == ALL]
    assert b_all.counts == Counts(40, 13, 7)
    assert b_all.close == pytest.approx(rank_close) and b_all.prior_close == 0.40
    mix = (30 * 0.125 + 10 * 0.20) / 40
    assert b_all.prior_appointment == pytest.approx(mix)
    assert b_all.appointment == pytest.approx((10 * mix + 13) / (10 + 40))


def test_zero_prior_strength_trusts_the_data() -> None:
    s = S.model_copy(update={"roi": S.roi.model_copy(update={"prior_strength": 0.0})})
    learned = learned_rates({("C", "email"): Counts(20, 5, 1)}, s)
    assert learned[("C", "email")] == pytest.approx((5 / 20, 1 / 5))
