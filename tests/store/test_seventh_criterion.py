"""A seventh criterion is one registry entry (and its weight in the settings):
the ranking's totals, the score bars of the detail screen, the CLI breakdown
and its caption all take it up, with no other file edited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from fieldsales.cli import build_parser
from fieldsales.config import Settings, Steps
from fieldsales.context import Context
from fieldsales.domain import criteria
from fieldsales.domain.score_maps import floats, step_scores
from fieldsales.services.account_card import AccountCard
from fieldsales.services.rank import rank_accounts
from fieldsales.tui.screens.detail import shown_raw
from fieldsales.tui.widgets.score_bars import score_bars

TODAY = date(2026, 11, 22)
ORDER_STEPS = Steps(at_least=[(100_000, 5), (1_000_000, 10)], otherwise=1)


def _average_order(facts: criteria.Facts, cfg: Any) -> Any:
    # no average order scores 1 (not NaN, which would mean "cannot be scored")
    return step_scores(np.nan_to_num(floats(facts["average_order"]), nan=0.0), ORDER_STEPS)


AVERAGE_ORDER = criteria.Criterion(
    "average_order",
    ("average_order",),
    _average_order,
    "order",
    display="yen",
    raw=criteria.raw_number("average_order"),
)


def with_weight(settings: Settings, key: str, weight: float) -> Settings:
    scoring = settings.scoring
    weights = scoring.weights.model_copy(update={key: weight})
    return settings.model_copy(update={"scoring": scoring.model_copy(update={"weights": weights})})


@pytest.fixture
def seventh(settings: Settings) -> Any:
    with criteria.registered(AVERAGE_ORDER):
        yield with_weight(settings, "average_order", 3)


def test_the_ranking_totals_include_it(add_account: Any, engine: Any, seventh: Settings) -> None:
    big = add_account(company="大口商事", average_order=2_000_000, lat=35.68, lon=139.76)
    small = add_account(company="小口商店", average_order=None, lat=35.68, lon=139.76)
    table = rank_accounts(engine, seventh, origin=(35.68, 139.76), today=TODAY)
    by_id = {a.id: a for a in table}
    for acc, score in ((big, 10), (small, 1)):
        result = by_id[acc.id].score
        assert [c.name for c in result.criteria][-1] == "average_order"
        assert len(result.criteria) == 7
        part = result.criteria[-1]
        assert (part.score, part.weight) == (score, 3)
        # weights now sum to 24: scaled so that all-10 scores still give 210
        expected = sum(c.score * c.weight for c in result.criteria if c.score) * 210 / 240
        assert result.total == pytest.approx(round(expected, 1))
        assert sum(c.max_points for c in result.criteria) == pytest.approx(210)
    assert by_id[big.id].score.total > by_id[small.id].score.total
    assert by_id[big.id].score.criteria[-1].raw == 2_000_000


def test_the_score_bars_and_detail_show_it(
    add_account: Any, engine: Any, seventh: Settings
) -> None:
    acc = add_account(company="大口商事", average_order=500_000)
    item = rank_accounts(engine, seventh, origin=(35.68, 139.76), today=TODAY)[0]
    bars = score_bars(item.score, "en", shown_raw(AccountCard(id=acc.id, company=acc.company)))
    lines = bars.plain.splitlines()
    assert len(lines) == 7
    assert lines[-1].startswith("average_order") and lines[-1].endswith("¥500k")
    assert lines[0].startswith("past revenue")  # the six keep their labels and order


def test_the_cli_breakdown_and_caption_show_it(
    add_account: Any, db_path: Path, engine: Any, seventh: Settings
) -> None:
    add_account(company="大口商事", average_order=2_000_000)
    console = Console(record=True, width=200)
    ctx = Context(db=db_path, _settings=seventh, _console=console)
    args = build_parser().parse_args(["rank", "--date", TODAY.isoformat()])
    assert args.func(args, ctx) == 0
    text = console.export_text()
    assert "revenue·dormancy·solvable·competitor·proximity·digital·order (1-10)" in text
    assert "·10 " in text  # the breakdown's seventh number

    args = build_parser().parse_args(["rank", "--json", "--date", TODAY.isoformat()])
    ctx = Context(db=db_path, _settings=seventh, _console=console)
    out = _capture(args, ctx)
    breakdown = json.loads(out)["accounts"][0]["breakdown"]
    assert list(breakdown)[-1] == "average_order"
    assert breakdown["average_order"] == {
        "score": 10,
        "weight": 3,
        "points": pytest.approx(26.25),
        "raw": 2_000_000,
    }


def _capture(args: Any, ctx: Context) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert args.func(args, ctx) == 0
    return buf.getvalue()


def test_without_registration_the_six_are_unchanged(
    add_account: Any, engine: Any, settings: Settings
) -> None:
    add_account(company="大口商事", average_order=2_000_000)
    item = rank_accounts(engine, settings, origin=(35.68, 139.76), today=TODAY)[0]
    assert [c.name for c in item.score.criteria] == [c.id for c in criteria.CRITERIA]
