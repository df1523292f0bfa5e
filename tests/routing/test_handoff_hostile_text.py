"""Whatever a spreadsheet cell holds, every hand-off file stays valid and shows it as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.handoff.clean import md, printable
from fieldsales.handoff.formats import export_day
from fieldsales.planning import planner
from fieldsales.planning.engines import solve_default

DAY = date(2026, 12, 1)
HOSTILE = "*株式会社*\x00\x07\x1b[31m_赤_\x0b\x0c\ufffe [x](javascript:1) <b>#1</b> | ~~y~~ \x85"


def _plan(engine: Engine, settings: Settings, seeded) -> object:
    seeded(12)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE account SET company = ?, address = ?, contact_name = ?",
            (HOSTILE, "東京都\x01千代田区\r\n1-1 # 2F", "- 佐藤\x02"),
        )
    return planner.plan_day(engine, settings, day=DAY, solve=solve_default)


def test_control_characters_never_reach_a_file(
    engine: Engine, settings: Settings, seeded, tmp_path: Path
) -> None:
    pd = _plan(engine, settings, seeded)
    files = {p.suffix: p for p in export_day(pd, settings, tmp_path, engine)}  # type: ignore[arg-type]
    import json

    assert "赤" in json.loads(files[".json"].read_text(encoding="utf-8"))["stops"][0]["company"]
    for path in (files[s] for s in (".md", ".html", ".ics", ".gpx")):
        body = path.read_text(encoding="utf-8")
        assert printable(body.replace("\r\n", "\n")) == body.replace("\r\n", "\n"), path.name
    ET.fromstring(files[".gpx"].read_bytes())  # valid XML
    import gpxpy
    from icalendar import Calendar

    gpx = gpxpy.parse(files[".gpx"].read_text(encoding="utf-8"))
    assert gpx.waypoints and "赤" in (gpx.waypoints[0].name or "")
    cal = Calendar.from_ical(files[".ics"].read_bytes())
    assert cal.events and "赤" in str(cal.events[0]["summary"])


def test_the_markdown_sheet_escapes_what_it_prints(
    engine: Engine, settings: Settings, seeded, tmp_path: Path
) -> None:
    pd = _plan(engine, settings, seeded)
    files = {p.suffix: p for p in export_day(pd, settings, tmp_path, engine)}  # type: ignore[arg-type]
    sheet = files[".md"].read_text(encoding="utf-8")
    assert md(printable(HOSTILE)) in sheet
    assert "*株式会社*" not in sheet.replace("\\*", "")  # no bare emphasis around the name
    assert "<b>" not in sheet and "[x](javascript" not in sheet
    assert "\\- 佐藤" in sheet  # a contact that would start a list item does not
    html = files[".html"].read_text(encoding="utf-8")
    assert "<b>#1</b>" not in html and "&lt;b&gt;#1&lt;/b&gt;" in html


def test_md_escape_round_trips_through_a_renderer() -> None:
    # the escaped text is the text itself once rendered (CommonMark backslash escapes)
    text = "a*b*_c_ [l](u) <t> #h `code` 1. x | ~s~ & !"
    escaped = md(text)
    unescaped = ""
    it = iter(escaped)
    for ch in it:
        unescaped += next(it) if ch == "\\" else ch
    assert unescaped == text


def test_ics_times_carry_the_configured_zone(
    engine: Engine, settings: Settings, seeded, tmp_path: Path
) -> None:
    pd = _plan(engine, settings, seeded)
    files = {p.suffix: p for p in export_day(pd, settings, tmp_path, engine)}  # type: ignore[arg-type]
    ics = files[".ics"].read_text(encoding="utf-8")
    assert "BEGIN:VTIMEZONE" in ics and "TZID:Asia/Tokyo" in ics
    assert "DTSTART;TZID=Asia/Tokyo:20261201T" in ics
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM account")).scalar() == 12
