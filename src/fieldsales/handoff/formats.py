"""The hand-off formats, by name: each a writer from one planned day to a file's bytes.

`FORMATS` maps a format's name to its file ending and writer; `plan --export`
writes the `EXPORTED` ones (day sheet as Markdown and HTML, ICS, GPX, JSON)
with `export_day`. A new format is one writer and one line in `FORMATS`.
Everything written works offline; only the directions links need a network
when opened on the phone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from fieldsales.handoff.calendar_gpx import Visit, to_gpx, to_ics, visits
from fieldsales.handoff.links import qr_svg, route_links
from fieldsales.handoff.plan_json import plan_json
from fieldsales.handoff.sheet import DaySheet, build_sheet, to_html, to_markdown

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.config import Settings
    from fieldsales.planning.planned_day import PlannedDay


@dataclass
class HandoffDay:
    """One planned day and what the writers share, each part built once when first asked."""

    pd: PlannedDay
    settings: Settings
    engine: Engine | None = None  # for the accounts' recent history on the sheets

    @property
    def stem(self) -> str:
        return f"plan-{self.pd.plan.day.isoformat()}"

    @cached_property
    def sheet(self) -> DaySheet:
        return build_sheet(self.pd, self.settings, self.engine)

    @cached_property
    def visits(self) -> list[Visit]:
        return visits(self.pd, self.sheet, self.settings.zone())


Writer = Callable[[HandoffDay], bytes]


@dataclass(frozen=True)
class Format:
    suffix: str  # the file name's ending after the day's stem
    write: Writer


def write_markdown(day: HandoffDay) -> bytes:
    return to_markdown(day.sheet).encode()


def write_html(day: HandoffDay) -> bytes:
    mobile = route_links(day.pd, mobile=True)
    return to_html(day.sheet, tuple((u, qr_svg(u)) for u in mobile)).encode()


def write_ics(day: HandoffDay) -> bytes:
    return to_ics(day.visits, calendar_name=day.sheet.title)


def write_gpx(day: HandoffDay) -> bytes:
    p = day.pd.plan
    return to_gpx(
        day.sheet.title,
        (p.start.label, p.start.lat, p.start.lon),
        (p.end.label, p.end.lat, p.end.lon),
        day.visits,
    ).encode()


def write_json(day: HandoffDay) -> bytes:
    return json.dumps(plan_json(day.pd, day.settings), ensure_ascii=False, indent=2).encode()


def write_links(day: HandoffDay) -> bytes:
    """The directions links, one a line: the desktop legs, then the phone's (3 waypoints)."""
    lines = [*route_links(day.pd), "", *route_links(day.pd, mobile=True)]
    return ("\n".join(lines) + "\n").encode()


FORMATS: dict[str, Format] = {
    "markdown": Format(".md", write_markdown),
    "html": Format(".html", write_html),
    "ics": Format(".ics", write_ics),
    "gpx": Format(".gpx", write_gpx),
    "json": Format(".json", write_json),
    "links": Format("-links.txt", write_links),
}
# what `plan --export` writes (the links are in the sheets already)
EXPORTED = ("markdown", "html", "ics", "gpx", "json")


def export_day(
    pd: PlannedDay,
    settings: Settings,
    out_dir: Path,
    engine: Engine | None = None,
    *,
    names: Sequence[str] = EXPORTED,
) -> list[Path]:
    """Write the day in each format of `names` into out_dir; returns the files."""
    from fieldsales.files import atomic_write, check_folder

    check_folder(out_dir, create=True)  # FileError: a path under a file, an unwritable place
    day = HandoffDay(pd, settings, engine)
    # every format is written out before any file is opened
    files = {out_dir / f"{day.stem}{FORMATS[n].suffix}": FORMATS[n].write(day) for n in names}
    for path, data in files.items():
        with atomic_write(path) as fh:
            fh.write(data)
    return list(files)
