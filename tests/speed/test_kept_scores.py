"""The scores kept with each account (migration 0008, store/scores.py) give the
same ranking as the scalar reference: on a fresh base, after an import, an
outcome and an edit, and after the config's weights and thresholds change."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from fieldsales.config import Settings
from fieldsales.domain import criteria, score_cache
from fieldsales.domain.dormancy import DAYS_PER_MONTH
from fieldsales.domain.scoring import ScoreInputs, score_account
from fieldsales.geo.distance import haversine_many
from fieldsales.services.outcome_form import OutcomeInput
from fieldsales.services.outcomes import log_outcome
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.store import unit
from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.importer import import_accounts, vocabulary
from fieldsales.store.models import Account, AccountChange, Outcome

TODAY = date(2026, 11, 22)
ORIGIN = (35.681236, 139.767125)
SOLV = ["unsolvable", "hard", "partly", "mostly", "solved", "unknown"]
COMP = ["long_contract", "main_supplier", "partial", "trial", "none", "unknown"]
DIGI = ["never", "low", "medium", "high", "very_high", "unknown"]

account = st.fixed_dictionaries(
    {
        "lifetime_revenue": st.integers(0, 30_000_000),
        "days": st.one_of(st.none(), st.integers(0, 2500)),
        "pos": st.one_of(st.none(), st.tuples(st.floats(35.0, 36.5), st.floats(139.0, 140.5))),
        "reason_solvable": st.sampled_from(SOLV),
        "competitor_status": st.sampled_from(COMP),
        "digital_responsiveness": st.sampled_from(DIGI),
    }
)


def _reset(engine: Engine, rows: list[dict[str, Any]]) -> list[str]:
    ids = []
    with unit.writing(engine) as s:
        for table in (Outcome, AccountChange, Account):  # the previous example's
            s.execute(sa.delete(table))
        for i, r in enumerate(rows):
            lat, lon = r["pos"] if r["pos"] is not None else (None, None)
            acc = Account(
                external_id=f"K{i}",
                match_key=f"k{i}",
                company=f"検証{i}",
                lat=lat,
                lon=lon,
                geo_precision="street" if lat is not None else "none",
                lifetime_revenue=r["lifetime_revenue"],
                last_order_date=None if r["days"] is None else TODAY - timedelta(days=r["days"]),
                reason_solvable=r["reason_solvable"],
                competitor_status=r["competitor_status"],
                digital_responsiveness=r["digital_responsiveness"],
            )
            s.add(acc)
            ids.append(acc.id)
    return ids


def _reference(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Every account scored one by one with the scalar reference."""
    out = {}
    with unit.reading(engine) as s:
        for acc in s.exec(select(Account)).all():
            months = None
            if acc.last_order_date is not None:
                months = max((TODAY - acc.last_order_date).days / DAYS_PER_MONTH, 0.0)
            dist = None
            if acc.lat is not None and acc.lon is not None:
                d = haversine_many(ORIGIN[0], ORIGIN[1], np.array([acc.lat]), np.array([acc.lon]))
                dist = float(d[0])
            out[acc.id] = score_account(
                ScoreInputs(
                    acc.lifetime_revenue, months, acc.reason_solvable, acc.competitor_status,
                    dist, acc.digital_responsiveness,
                ),
                settings.scoring,
            )  # fmt: skip
    return out


def _check(engine: Engine, settings: Settings, step: str) -> None:
    ranked = rank_accounts(
        engine, settings, origin=ORIGIN, today=TODAY, filters=RankFilter(show_all=True)
    )
    ref = _reference(engine, settings)
    assert sorted(ranked.ids) == sorted(ref)
    for a in ranked:
        r = ref[a.id]
        assert a.score.breakdown() == r.breakdown(), (step, a.id)
        assert a.score.total == r.total and a.score.rank == r.rank
    # every account's scores are kept, with the fingerprint of this config
    fp = score_cache.fingerprint(settings.scoring, criteria.cached())
    with unit.reading(engine) as s:
        kept = [t for (t,) in s.execute(sa.select(Account.static_scores))]  # type: ignore[call-overload]
    assert all(t is not None and t.startswith(fp + ":") for t in kept)


def _changed(settings: Settings, weight: int, threshold: int, solved: int) -> Settings:
    sc = settings.scoring
    steps = sc.past_revenue.model_copy(
        update={"at_least": [(float(threshold), 10), *(sc.past_revenue.at_least or [])[1:]]}
    )
    scoring = sc.model_copy(
        update={
            "weights": sc.weights.model_copy(update={"proximity": weight, "past_revenue": 1}),
            "past_revenue": steps,
            "reason_solvable": {**sc.reason_solvable, "solved": solved},
        }
    )
    return settings.model_copy(update={"scoring": scoring})


@hsettings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(account, min_size=1, max_size=6),
    new=account,
    weight=st.integers(0, 9),
    threshold=st.integers(5_000_000, 40_000_000),
    solved=st.integers(1, 10),
)
def test_kept_scores_equal_the_reference_after_every_kind_of_write(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    rows: list[dict[str, Any]],
    new: dict[str, Any],
    weight: int,
    threshold: int,
    solved: int,
) -> None:
    ids = _reset(engine, rows)
    _check(engine, settings, "new")  # a base whose scores were never kept
    # an import that changes one account's fields and adds one
    csv = tmp_path / "update.csv"
    csv.write_text(
        "external_id,company,lifetime_revenue,reason_solvable,competitor_status\n"
        f"K0,検証0,{new['lifetime_revenue']},{new['reason_solvable']},{new['competitor_status']}\n"
        f"N1,新規,{rows[0]['lifetime_revenue']},{new['reason_solvable']},none\n",
        encoding="utf-8",
    )
    report = import_accounts(
        engine, csv, vocab=vocabulary(settings), max_line_bytes=10_000, today=TODAY,
        scoring=settings.scoring,
    )  # fmt: skip
    assert report.written, report.problems
    _check(engine, settings, "import")
    # an outcome (the kept scores do not read the log; the ranking still agrees)
    log_outcome(
        engine, settings, OutcomeInput(account_id=ids[-1], result="interested"), today=TODAY
    )
    _check(engine, settings, "outcome")
    # an edit in the app
    with unit.writing(engine) as s:
        update_account_fields(
            s, ids[-1],
            {"digital_responsiveness": new["digital_responsiveness"], "lifetime_revenue": 12},
        )  # fmt: skip
    _check(engine, settings, "edit")
    # the config's weights, a threshold and a map change: every account rescored
    _check(engine, _changed(settings, weight, threshold, solved), "config")


def test_an_edit_rescores_only_the_edited_account(
    engine: Engine, settings: Settings, seeded: Any
) -> None:
    ids = seeded(40)  # scores not kept yet: the first ranking keeps them all
    _check(engine, settings, "seeded")
    before = _kept(engine)
    with unit.writing(engine) as s:
        update_account_fields(s, ids[7], {"competitor_status": "long_contract"})
        update_account_fields(s, ids[8], {"reason_solvable": "unsolvable"})
    cleared = _kept(engine)
    assert cleared[ids[7]] is None and cleared[ids[8]] is None
    assert {a: t for a, t in cleared.items() if a not in ids[7:9]} == {
        a: t for a, t in before.items() if a not in ids[7:9]
    }
    _check(engine, settings, "edited")  # the two are rescored by id, the rest read as kept
    after = _kept(engine)
    # seeded with partial/none/trial and partly/mostly/solved: both scores changed
    assert after[ids[7]] != before[ids[7]] and after[ids[8]] != before[ids[8]]
    assert {a: t for a, t in after.items() if a not in ids[7:9]} == {
        a: t for a, t in before.items() if a not in ids[7:9]
    }


def _kept(engine: Engine) -> dict[str, str | None]:
    with unit.reading(engine) as s:
        rows = s.execute(sa.select(Account.id, Account.static_scores)).all()  # type: ignore[call-overload]
    return {a: t for a, t in rows}
