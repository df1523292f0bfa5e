"""The hand-off registry and the plan's words: one writer per format, one text per line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.handoff.formats import EXPORTED, FORMATS, HandoffDay, export_day
from fieldsales.handoff.links import route_links
from fieldsales.handoff.sheet import build_sheet, to_html, to_markdown
from fieldsales.planning import planner, text
from fieldsales.planning.engines import solve_default

DAY = date(2026, 12, 1)  # Tuesday


def test_every_format_writes_and_export_writes_the_exported_ones(
    engine: Engine, settings: Settings, seeded, tmp_path: Path
) -> None:
    seeded(30)
    pd = planner.plan_day(engine, settings, day=DAY, solve=solve_default)
    day = HandoffDay(pd, settings)
    for name, fmt in FORMATS.items():
        assert fmt.write(day), name
    links = FORMATS["links"].write(day).decode().split()
    assert links == [*route_links(pd), *route_links(pd, mobile=True)]
    files = export_day(pd, settings, tmp_path / "out")
    assert [p.name for p in files] == [f"plan-{DAY}{FORMATS[n].suffix}" for n in EXPORTED]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in files)


def test_the_sheets_and_the_screen_share_the_plans_lines(
    engine: Engine, settings: Settings, seeded
) -> None:
    seeded(30)
    pd = planner.plan_day(engine, settings, day=DAY, solve=solve_default)
    p = pd.plan
    totals = text.totals_line(pd)
    assert totals.startswith(f"{len(p.stops)} visits · {p.km:.1f} km · ")
    assert totals.endswith(f"value {text.value_text(pd, p.score)}")
    sheet = build_sheet(pd, settings)
    md, page = to_markdown(sheet), to_html(sheet)
    for line in (totals, text.roi_line(pd), text.lunch_text(p)):
        assert line in md and line in page
    ja = build_sheet(pd, settings.model_copy(update={"language": "ja"}))
    assert text.totals_line(pd, "ja") in to_markdown(ja)
