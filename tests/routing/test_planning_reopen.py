"""Reopening a saved day: the saved order, pins, locks and marks come back; what no
longer fits is left out and named. The day sheet in Japanese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.handoff.sheet import build_sheet, to_html, to_markdown
from fieldsales.i18n import tr
from fieldsales.i18n.labels import REASON_LABELS, STAGE_LABELS
from fieldsales.planning import planned_day, planner, saved
from fieldsales.planning.day_model import hhmm
from fieldsales.planning.engines import solve_default
from fieldsales.planning.reopen import reopen_day
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account

DAY = date(2026, 12, 1)


def test_nothing_saved_means_nothing_to_reopen(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    seeded(20)
    assert reopen_day(engine, settings, day=DAY) is None


def test_reopen_keeps_order_pins_locks_and_marks_and_names_what_no_longer_fits(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    seeded(50)
    pd = planner.plan_day(
        engine,
        settings,
        day=DAY,
        pins=[planned_day.PinRequest("R0003", time(14, 0))],
        solve=solve_default,
    )
    order = [s.account_id for s in pd.plan.stops]
    pinned = next(s.account_id for s in pd.plan.stops if s.pinned)
    free = [a for a in order if a != pinned]
    pd.locked = {free[0]}
    route_id = saved.save_plan(engine, settings, pd)
    saved.mark_stop(engine, route_id, free[0], "done")
    saved.mark_stop(engine, route_id, free[1], "skipped")

    back = reopen_day(engine, settings, day=DAY)
    assert back is not None and not back.left_out
    assert [s.account_id for s in back.planned.plan.stops] == order
    assert back.planned.route_id == route_id  # unchanged: still the saved plan
    assert back.planned.locked == {free[0]}
    assert back.status == {free[0]: "done", free[1]: "skipped"}
    stop = next(s for s in back.planned.plan.stops if s.account_id == pinned)
    assert stop.pinned and hhmm(stop.start_s) == "14:00"

    with session_scope(engine) as s:  # excluded since it was saved
        acc = s.get(Account, free[2])
        assert acc is not None
        acc.do_not_contact = True
        gone = acc.company
    back = reopen_day(engine, settings, day=DAY)
    assert back is not None and back.left_out == [gone]
    assert [s.account_id for s in back.planned.plan.stops] == [a for a in order if a != free[2]]
    assert back.planned.route_id is None  # what is shown is not what was saved


def test_day_sheet_in_japanese(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    seeded(30)
    ja = settings.model_copy(update={"language": "ja"})
    pd = planner.plan_day(engine, ja, day=DAY, solve=solve_default)
    sheet = build_sheet(pd, ja, engine)
    a = pd.accounts[pd.plan.stops[0].account_id]
    stage, reason = tr(STAGE_LABELS[a.stage], "ja"), tr(REASON_LABELS[a.main_reason], "ja")
    md, page = to_markdown(sheet), to_html(sheet)
    for text in (md, page):
        assert f"段階 {stage}" in text and f"理由 {reason}" in text
        assert "計画ROI" in text and "期待売上" in text and "訪問" in text
        assert a.stage not in text and a.main_reason not in text  # no raw ids
        for english in ("Planned ROI", "visits", "Talk script", "Contact", "stage", "reason"):
            assert english not in text
    assert sheet.title.startswith("訪問計画")
    assert 'lang="ja"' in page
    en = to_markdown(build_sheet(pd, settings, engine))
    assert f"stage {STAGE_LABELS[a.stage]}" in en and "Planned ROI" in en
