"""P(alive), expected orders and expected order value: the BG/NBD model (Fader,
Hardie and Lee 2005, "Counting your customers the easy way") and the
Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV"), in
numpy/scipy (no maintained package does this on Python 3.11).

Per account: x repeat purchases (distinct order days after the first),
t_x the time of the last one and T the time since the first, both from the
first order, in the configured time unit (weeks by default); m_x the mean
value of the repeat purchases.

Fitting is maximum likelihood on log-parameters (L-BFGS-B); `standard_errors` gives the sampling error
from the observed information, which the tests use as their tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# scipy (0.2-0.5 s to import) loads on the first fit: a ranking that reuses a
# kept fit, or a base without order history, never imports it (p_alive needs
# numpy only; expected purchases sum their series with numpy: hyp2f1_near).

FloatArray = npt.NDArray[np.float64]


class FitError(ValueError):
    """Too little or degenerate data to fit the model."""


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float

    @property
    def params(self) -> tuple[float, float, float, float]:
        return self.r, self.alpha, self.a, self.b


def bgnbd_log_likelihood(
    params: tuple[float, float, float, float], x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """The log-likelihood of each customer (FHL 2005, equation 6)."""
    from scipy import special

    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            repeat,
            np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def _fit(nll: Callable[[FloatArray], float], start: FloatArray, what: str) -> FloatArray:
    # L-BFGS-B on the log-parameters: ~100 evaluations where Nelder-Mead takes
    # ~1,000 (at 100,000 accounts an evaluation is ~10 ms)
    from scipy import optimize

    result = optimize.minimize(
        nll, np.log(start), method="L-BFGS-B", options={"ftol": 1e-12, "gtol": 1e-8}
    )
    if not np.all(np.isfinite(result.x)):
        raise FitError(f"the {what} fit did not converge")
    return np.exp(result.x)


def fit_bgnbd(
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    weights: FloatArray | None = None,
    penalizer: float = 0.0,
) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for these customers.

    `penalizer` x the sum of the squared parameters is subtracted from the
    log-likelihood (as lifetimes does): perfectly regular buyers, common in
    B2B, otherwise drive r and alpha to infinity (no rate heterogeneity) and
    the expected purchases overflow."""
    if len(x) < 2 or not np.any(x > 0):
        raise FitError("the BG/NBD fit needs customers with repeat purchases")
    w = np.ones(len(x)) if weights is None else weights
    scale = float(np.mean(T)) or 1.0

    def nll(log_params: FloatArray) -> float:
        p = np.exp(log_params)
        ll = bgnbd_log_likelihood((p[0], p[1], p[2], p[3]), x, t_x, T)
        value = -float(np.sum(w * ll)) + penalizer * float(np.sum(p * p))
        return value if np.isfinite(value) else 1e300

    p = _fit(nll, np.array([1.0, scale, 1.0, 1.0]), "BG/NBD")
    return BgNbd(float(p[0]), float(p[1]), float(p[2]), float(p[3]))


def p_alive(m: BgNbd, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """P(still active | x, t_x, T) (FHL 2005, equation 11)."""
    r, alpha, a, b = m.params
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = (
            np.log(a)
            - np.log(np.where(repeat, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(repeat, 1.0 / (1.0 + np.exp(log_odds)), 1.0)


def expected_purchases(
    m: BgNbd, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t (FHL 2005, equation 10).

    The paper's (1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), z = t / (alpha+T+t), is
    taken through Euler's transformation as (1 - z)^(a-1) 2F1(a+b-1-r, a-1;
    a+b+x-1; z): the same value, without a huge series times a tiny power, and
    with numerator parameters that do not grow with x, so its Gauss series
    converges within a few dozen terms (hyp2f1_near: scipy only where not)."""
    r, alpha, a, b = m.params
    z = t / (alpha + T + t)
    hyp = hyp2f1_near(a + b - 1 - r, a - 1, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - (1 - z) ** (a - 1) * hyp
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        odds = np.where(
            repeat,
            a / np.where(repeat, b + x - 1, 1.0) * ((alpha + T) / (alpha + t_x)) ** (r + x),
            0.0,
        )
    return first * second / (1 + odds)


def hyp2f1_near(
    a: float, b: float, c: FloatArray, z: FloatArray, terms: int = 1000, tol: float = 1e-15
) -> FloatArray:
    """The Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, summed
    as its series, all elements at once, each until its rest is below `tol` of
    its sum. An element whose series has not converged within `terms` terms (z
    near 1), whose terms cancel (a term over 1,000 times the sum), or where the
    series does not apply (c <= 0, z outside [0, 1), a
    value that is not finite), is left to scipy.special.hyp2f1.

    Why not scipy for all: importing scipy.special takes 0.2-0.5 s (scipy 1.17
    walks every numpy submodule as it loads), more than the rest of a ranking's
    early-warning figures; a listing or `rank --top 20` pays it on every run.
    Held to scipy's values in tests/unit/test_clv.py."""
    c = np.asarray(c, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    c, z = np.broadcast_arrays(c, z)
    out = np.full(c.shape, np.nan)
    with np.errstate(all="ignore"):
        usable = np.isfinite(c) & np.isfinite(z) & (c > 0) & (z >= 0) & (z < 1)
    usable &= bool(np.isfinite(a) and np.isfinite(b))
    todo = np.flatnonzero(usable)
    cc, zz = c[todo], z[todo]
    total = np.ones(len(todo))
    term = np.ones(len(todo))
    biggest = np.ones(len(todo))
    with np.errstate(all="ignore"):
        for k in range(terms):
            if not len(todo):
                break
            ratio = (a + k) * (b + k) / ((cc + k) * (k + 1)) * zz
            term = term * ratio
            total = total + term
            # the ratios tend to z: past k, none exceeds max(|ratio|, z) once the
            # ratio has fallen below 1, so the rest is below |term| R / (1 - R)
            bound = np.maximum(np.abs(ratio), zz)
            rest = np.abs(term) * bound / (1 - bound)
            biggest = np.maximum(biggest, np.abs(term))
            done = (bound < 1) & (rest <= tol * np.abs(total)) & np.isfinite(total)
            if done.any():
                # terms far larger than their sum cancel: digits lost, scipy decides
                exact = done & (biggest <= 1e3 * np.abs(total))
                out[todo[exact]] = total[exact]
                keep = ~done
                todo, cc, zz = todo[keep], cc[keep], zz[keep]
                total, term, biggest = total[keep], term[keep], biggest[keep]
    left = np.flatnonzero(~np.isfinite(out))
    if len(left):
        from scipy import special

        out[left] = special.hyp2f1(a, b, c[left], z[left])
    return out


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float

    def mean_value(self) -> float:
        """The population's expected order value (an account without repeats)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


def gamma_gamma_log_likelihood(
    params: tuple[float, float, float], x: FloatArray, m_x: FloatArray
) -> FloatArray:
    """Log-likelihood of the mean repeat value m_x over x > 0 purchases."""
    from scipy import special

    p, q, g = params
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m_x)
        + px * np.log(x)
        - (px + q) * np.log(g + m_x * x)
    )


def fit_gamma_gamma(x: FloatArray, m_x: FloatArray, penalizer: float = 0.0) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters on customers with x > 0, m_x > 0."""
    keep = (x > 0) & (m_x > 0)
    if keep.sum() < 2:
        raise FitError("the Gamma-Gamma fit needs customers with repeat purchases")
    xs, ms = x[keep], m_x[keep]
    scale = float(np.mean(ms))

    def nll(log_params: FloatArray) -> float:
        p = np.exp(log_params)
        value = -float(np.sum(gamma_gamma_log_likelihood((p[0], p[1], p[2]), xs, ms)))
        value += penalizer * float(np.sum(p[:2] * p[:2]))  # not gamma: it is in yen
        return value if np.isfinite(value) else 1e300

    p = _fit(nll, np.array([1.0, 2.0, scale]), "Gamma-Gamma")
    return GammaGamma(float(p[0]), float(p[1]), float(p[2]))


def expected_value(gg: GammaGamma, x: FloatArray, m_x: FloatArray) -> FloatArray:
    """E[M | x, m_x]: expected value of an account's next order (the population
    mean for an account without repeat purchases)."""
    p, q, g = gg.p, gg.q, gg.gamma
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (g + np.nan_to_num(m_x) * x) * p / (p * x + q - 1)
    return np.where(x > 0, own, gg.mean_value())


def standard_errors(
    loglik: Callable[[FloatArray], float], params: FloatArray, step: float = 1e-4
) -> FloatArray:
    """Standard errors of maximum-likelihood `params` from the observed information
    (central-difference Hessian of the total log-likelihood, on the log scale,
    mapped back by the delta method)."""
    theta = np.log(params)
    k = len(theta)
    hess = np.zeros((k, k))

    def f(t: FloatArray) -> float:
        return loglik(np.exp(t))

    for i in range(k):
        for j in range(i, k):
            ei = np.eye(k)[i] * step
            ej = np.eye(k)[j] * step
            value = (
                f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
            ) / (4 * step * step)
            hess[i, j] = hess[j, i] = value
    cov = np.linalg.inv(-hess)
    return np.sqrt(np.diag(cov)) * params


@dataclass
class Summary:
    """The model's figures per account (NaN: no history)."""

    p_alive: FloatArray
    expected_orders: FloatArray  # in the horizon
    expected_value: FloatArray  # of one order, yen
    bgnbd: BgNbd | None
    gamma_gamma: GammaGamma | None


def rfm(
    group: npt.NDArray[np.intp],
    day: npt.NDArray[np.int64],
    amount: npt.NDArray[np.int64],
    n: int,
    today: int,
    unit_days: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """(x, t_x, T, m_x, has_history) per account from orders sorted by account
    then day; purchases on one day are one purchase (their amounts summed)."""
    x = np.zeros(n)
    t_x = np.zeros(n)
    T = np.zeros(n)
    m_x = np.full(n, np.nan)
    has = np.zeros(n, dtype=bool)
    if not len(day):
        return x, t_x, T, m_x, has
    new_day = np.ones(len(day), dtype=bool)
    new_day[1:] = (group[1:] != group[:-1]) | (day[1:] != day[:-1])
    occasion = np.cumsum(new_day) - 1
    occ_group = group[new_day]
    occ_day = day[new_day].astype(float)
    occ_amount = np.bincount(occasion, weights=amount.astype(float))
    has[occ_group] = True
    first = np.full(n, np.inf)
    np.minimum.at(first, occ_group, occ_day)
    last = np.full(n, -np.inf)
    np.maximum.at(last, occ_group, occ_day)
    count = np.bincount(occ_group, minlength=n).astype(float)
    is_first = occ_day == first[occ_group]
    repeat_sum = np.bincount(occ_group[~is_first], weights=occ_amount[~is_first], minlength=n)
    x = np.where(has, count - 1, 0.0)
    t_x = np.where(has, (last - first) / unit_days, 0.0)
    T = np.where(has, (today - first) / unit_days, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m_x = np.where(x > 0, repeat_sum / np.maximum(x, 1), np.nan)
    return x, t_x, T, m_x, has


def fit(
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    m_x: FloatArray,
    has: npt.NDArray[np.bool_],
    min_accounts: int,
    penalizer: float = 0.0,
) -> tuple[BgNbd | None, GammaGamma | None]:
    """Both models fitted on the accounts with a history; (None, None) when there
    are fewer than `min_accounts` or no BG/NBD fit, gamma None without its fit."""
    keep = has & (T > 0)
    if keep.sum() < min_accounts:
        return None, None
    try:
        bg = fit_bgnbd(x[keep], t_x[keep], T[keep], penalizer=penalizer)
    except FitError:
        return None, None
    try:
        gg: GammaGamma | None = fit_gamma_gamma(
            x[keep], np.nan_to_num(m_x[keep]), penalizer=penalizer
        )
    except FitError:
        gg = None
    return bg, gg


def score(
    bg: BgNbd | None,
    gg: GammaGamma | None,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    m_x: FloatArray,
    has: npt.NDArray[np.bool_],
    horizon: float,
) -> Summary:
    """Every account's figures under fitted models (NaN without a model or a history)."""
    n = len(x)
    nan = np.full(n, np.nan)
    if bg is None:
        return Summary(nan, nan.copy(), nan.copy(), None, None)
    keep = has & (T > 0)
    alive = nan.copy()
    orders = nan.copy()
    value = nan.copy()
    if keep.any():
        k = np.flatnonzero(keep)
        alive[k] = p_alive(bg, x[k], t_x[k], T[k])
        orders[k] = expected_purchases(bg, horizon, x[k], t_x[k], T[k])
        if gg is not None and gg.q > 1:
            value[k] = expected_value(gg, x[k], m_x[k])
    return Summary(alive, orders, value, bg, gg)


def summarise(
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    m_x: FloatArray,
    has: npt.NDArray[np.bool_],
    horizon: float,
    min_accounts: int,
    penalizer: float = 0.0,
) -> Summary:
    """Fit both models on the accounts with a history and score every account;
    NaN everywhere when there are fewer than `min_accounts` or no fit."""
    bg, gg = fit(x, t_x, T, m_x, has, min_accounts, penalizer)
    return score(bg, gg, x, t_x, T, m_x, has, horizon)
