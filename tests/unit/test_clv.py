"""BG/NBD and Gamma-Gamma against the published CDNOW figures.

Fader, Hardie and Lee (2005), "Counting your customers the easy way": on
CDNOW (2,357 customers, 39-week calibration) r = 0.243, alpha = 4.414,
a = 0.793, b = 2.426, and a customer with x = 2, t_x = 30.43, T = 38.86 is
expected to make 1.226 purchases in the next 39 weeks. Gamma-Gamma on the
same base (Fader, Hardie and Lee 2005, "RFM and CLV"): p = 6.25, q = 3.74,
gamma = 15.44.

The fit is checked on data generated from those parameters with a fixed
seed. The tolerance is the sampling error: each estimate must lie within
three standard errors (from the observed information of that fit) of the
parameter it was generated from; a fit with the wrong likelihood lands many
standard errors away.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from fieldsales.domain import clv

CDNOW = clv.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
GG = (6.25, 3.74, 15.44)
CUSTOMERS = 2357
WEEKS = 39.0


def simulate_bgnbd(m: clv.BgNbd, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CDNOW-like: first purchases spread over the first 12 weeks; Poisson
    purchases at a gamma-distributed rate; after each repeat purchase the
    customer drops out with a beta-distributed probability."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(m.r, 1 / m.alpha, n)
    p = rng.beta(m.a, m.b, n)
    T = WEEKS - rng.uniform(0, 12, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    return x, t_x, T


def test_the_papers_worked_example() -> None:
    one = np.array
    expected = clv.expected_purchases(CDNOW, 39, one([2.0]), one([30.43]), one([38.86]))
    assert expected[0] == pytest.approx(1.226, abs=5e-4)


def test_p_alive_and_likelihood_equal_the_model_integrated_numerically() -> None:
    """The closed forms against the model's definition: the individual
    likelihood (1-p)^x l^x e^(-l T) + p (1-p)^(x-1) l^x e^(-l t_x) integrated
    over the gamma and beta mixing distributions."""
    r, alpha, a, b = CDNOW.params
    lam = stats.gamma(r, scale=1 / alpha)
    drop = stats.beta(a, b)

    def over_lambda(x: int, t: float) -> float:
        return float(integrate.quad(lambda v: v**x * np.exp(-v * t) * lam.pdf(v), 0, np.inf)[0])

    def over_p(x: int, dropped: bool) -> float:
        def f(q: float) -> float:
            return float((q * (1 - q) ** (x - 1) if dropped else (1 - q) ** x) * drop.pdf(q))

        return float(integrate.quad(f, 0, 1)[0])

    for x, t_x, T in [(2, 30.43, 38.86), (0, 0.0, 35.0), (7, 20.0, 38.0), (1, 1.5, 30.0)]:
        alive = over_p(x, False) * over_lambda(x, T)
        gone = over_p(x, True) * over_lambda(x, t_x) if x > 0 else 0.0
        arr = (np.array([float(x)]), np.array([t_x]), np.array([T]))
        assert clv.p_alive(CDNOW, *arr)[0] == pytest.approx(alive / (alive + gone), rel=1e-6)
        ll = clv.bgnbd_log_likelihood(CDNOW.params, *arr)[0]
        assert ll == pytest.approx(np.log(alive + gone), rel=1e-6)


def test_fit_recovers_the_cdnow_parameters_within_sampling_error() -> None:
    x, t_x, T = simulate_bgnbd(CDNOW, CUSTOMERS, seed=2005)
    fit = clv.fit_bgnbd(x, t_x, T)
    est = np.array(fit.params)

    def total(params: np.ndarray) -> float:
        p = (params[0], params[1], params[2], params[3])
        return float(np.sum(clv.bgnbd_log_likelihood(p, x, t_x, T)))

    se = clv.standard_errors(total, est)
    # the sampling error of 2,357 customers (the paper's own scale of uncertainty)
    assert np.all(se < np.array([0.05, 1.5, 1.0, 4.0]))
    z = (est - np.array(CDNOW.params)) / se
    assert np.all(np.abs(z) < 3), (fit, se)
    # and it is the maximum: every parameter moved by 1% gives a lower likelihood
    best = total(est)
    for k in range(4):
        for factor in (0.99, 1.01):
            moved = est.copy()
            moved[k] *= factor
            assert total(moved) < best


def test_gamma_gamma_recovers_its_parameters_within_sampling_error() -> None:
    x, _, _ = simulate_bgnbd(CDNOW, CUSTOMERS, seed=2005)
    rng = np.random.default_rng(15)
    p, q, g = GG
    repeat = x > 0
    nu = rng.gamma(q, 1 / g, repeat.sum())
    m_x = np.array([rng.gamma(p, 1 / v, int(k)).mean() for v, k in zip(nu, x[repeat], strict=True)])
    fit = clv.fit_gamma_gamma(x[repeat], m_x)
    est = np.array([fit.p, fit.q, fit.gamma])

    def total(params: np.ndarray) -> float:
        pp = (params[0], params[1], params[2])
        return float(np.sum(clv.gamma_gamma_log_likelihood(pp, x[repeat], m_x)))

    se = clv.standard_errors(total, est)
    assert np.all(np.abs(est - np.array(GG)) < 3 * se), (fit, se)
    # the expected value of an order shrinks an account's own mean toward the population's
    ev = clv.expected_value(fit, np.array([1.0, 50.0, 0.0]), np.array([100.0, 100.0, np.nan]))
    assert fit.mean_value() < ev[0] < 100 < ev[1] * 1.05 and ev[2] == fit.mean_value()


def test_rfm_counts_one_purchase_per_day_and_measures_from_the_first() -> None:
    group = np.array([0, 0, 0, 0, 1], dtype=np.intp)
    day = np.array([0, 7, 7, 21, 14], dtype=np.int64)
    amount = np.array([100, 50, 50, 300, 80], dtype=np.int64)
    x, t_x, T, m_x, has = clv.rfm(group, day, amount, 3, today=28, unit_days=7)
    assert x.tolist() == [2, 0, 0] and t_x.tolist() == [3, 0, 0] and T.tolist() == [4, 2, 0]
    assert m_x[0] == 200 and np.isnan(m_x[1]) and has.tolist() == [True, True, False]


def test_too_little_history_gives_no_figures() -> None:
    x = np.zeros(5)
    s = clv.summarise(x, x, np.ones(5), x, np.ones(5, bool), horizon=12, min_accounts=20)
    assert s.bgnbd is None and np.isnan(s.p_alive).all()


@settings(max_examples=200, deadline=None)
@given(
    r=st.floats(0.01, 10),
    alpha=st.floats(0.1, 500),
    a=st.floats(0.05, 20),
    b=st.floats(0.05, 50),
    horizon=st.floats(0.5, 5000),
    seed=st.integers(0, 2**32 - 1),
)
def test_expected_purchases_equal_the_papers_form_through_scipy(
    r: float, alpha: float, a: float, b: float, horizon: float, seed: int
) -> None:
    """Equation 10 as the paper writes it, with scipy's hyp2f1, against ours
    (Euler's transformation summed with numpy): the same figures, for every
    kind of history (no repeat, many repeats, old and new accounts)."""
    from scipy import special

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 200, 64).astype(float)
    T = rng.uniform(0.5, 3000, 64)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 64), 0.0)
    m = clv.BgNbd(r, alpha, a, b)
    z = horizon / (alpha + T + horizon)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        paper = (a + b + x - 1) / (a - 1) * (1 - (1 - z) ** (r + x) * hyp)
        odds = np.where(
            x > 0,
            a / np.where(x > 0, b + x - 1, 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x),
            0.0,
        )
        paper = paper / (1 + odds)
    ours = clv.expected_purchases(m, horizon, x, t_x, T)
    ok = np.isfinite(paper) & (np.abs(paper) < 1e12)
    # the paper's form loses digits to (1-z)^(r+x) times a huge 2F1: compare at its precision
    assert np.allclose(ours[ok], paper[ok], rtol=1e-7, atol=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    a=st.floats(-5, 30),
    b=st.floats(-5, 30),
    # c = a + b + x - 1 of a fitted model: not below its a + b - 1 (a, b > 0.05)
    c=st.lists(st.floats(0.01, 300), min_size=1, max_size=8),
    z=st.floats(0, 0.999),
)
def test_hyp2f1_near_equals_the_function_in_arbitrary_precision(
    a: float, b: float, c: list[float], z: float
) -> None:
    """Against mpmath at 50 digits (scipy itself is off by 1e-10 in places:
    2F1(21, 1e-15; 1; 0.5) is 1.0000000001111395, scipy says 1.0). Where the
    series has not converged within its terms (z near 1 with large a, b), the
    value is scipy's (off by 1e-8 and worse there, as it was before): those
    equal scipy's."""
    import mpmath
    from scipy import special

    cs = np.array(c)
    ours = clv.hyp2f1_near(a, b, cs, np.full(len(cs), z))
    with mpmath.workdps(50):
        exact = np.array([float(mpmath.hyp2f1(a, b, ck, z)) for ck in c])
    near = np.isclose(ours, exact, rtol=1e-11, atol=1e-13)
    assert (ours[~near] == special.hyp2f1(a, b, cs[~near], z)).all()


def test_hyp2f1_near_gives_what_does_not_converge_to_scipy() -> None:
    """z so near 1 that 400 terms do not do, and c <= 0: scipy's values."""
    from scipy import special

    c = np.array([3.0, -0.5, 2.5])
    z = np.array([0.9999999, 0.3, 0.5])
    ours = clv.hyp2f1_near(2.5, 1.5, c, z)
    assert np.allclose(ours, special.hyp2f1(2.5, 1.5, c, z), rtol=1e-12, equal_nan=True)
