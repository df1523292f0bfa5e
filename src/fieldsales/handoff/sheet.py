"""The day sheet: what a rep carries into the field, as Markdown and as HTML.

Plain data in (`DaySheet`), text out. The HTML is one self-contained file (no
external CSS, fonts or scripts) that prints cleanly on A4 and opens offline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetStop:
    seq: int
    arrival: str  # HH:MM
    departure: str
    company: str
    address: str
    contact: str
    phone: str
    stage: str
    reason: str
    rank: str
    score: float
    leg_km: float
    leg_minutes: int
    in_window: bool
    pinned: bool
    talk_script: str
    history: tuple[str, ...] = ()
    lat: float = 0.0
    lon: float = 0.0


@dataclass(frozen=True)
class DaySheet:
    title: str
    day: str  # ISO date
    start: str
    end: str
    depart: str
    back: str
    lunch: str
    km: float
    drive_minutes: int
    idle_minutes: int
    score: float
    roi_line: str
    stops: tuple[SheetStop, ...]
    links: tuple[str, ...] = field(default=())


def _flags(s: SheetStop) -> str:
    bits = []
    if s.pinned:
        bits.append("appointment")
    bits.append("in best window" if s.in_window else "outside best window")
    return ", ".join(bits)


def to_markdown(sheet: DaySheet) -> str:
    out = [
        f"# {sheet.title} — {sheet.day}",
        "",
        f"- Start: {sheet.start}, leave {sheet.depart}",
        f"- End: {sheet.end}, back {sheet.back}",
        f"- Lunch: {sheet.lunch}",
        f"- {len(sheet.stops)} visits, {sheet.km:.1f} km, {sheet.drive_minutes} min driving, "
        f"{sheet.idle_minutes} min idle, score {sheet.score:.0f}",
        f"- Planned ROI: {sheet.roi_line}",
        "",
    ]
    for s in sheet.stops:
        out += [
            f"## {s.seq}. {s.arrival}-{s.departure} {s.company}",
            "",
            f"- Address: {s.address}",
            f"- Contact: {s.contact}  Tel: {s.phone}",
            f"- Rank {s.rank} (score {s.score:.0f}), stage {s.stage}, reason {s.reason}",
            f"- Drive {s.leg_km:.1f} km / {s.leg_minutes} min; {_flags(s)}",
            "",
            "**Talk script**",
            "",
            *[f"> {line}" for line in s.talk_script.splitlines() or [""]],
            "",
        ]
        if s.history:
            out += ["**History**", "", *[f"- {h}" for h in s.history], ""]
    if sheet.links:
        out += ["## Directions (Google Maps)", ""]
        out += [f"{i}. <{link}>" for i, link in enumerate(sheet.links, 1)]
        out.append("")
    return "\n".join(out)


CSS = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:1.5em;color:#111}
h1{font-size:1.4em;margin:0 0 .4em}
.stop{border-top:1px solid #999;padding:.5em 0;page-break-inside:avoid}
.stop h2{font-size:1.1em;margin:.2em 0}
.meta{color:#333;font-size:.9em}
blockquote{margin:.4em 0 .4em 1em;padding-left:.6em;border-left:3px solid #bbb;white-space:pre-wrap}
ul{margin:.2em 0}
@media print{body{margin:0;font-size:10.5pt}a{color:#000;text-decoration:none}}
"""


def to_html(sheet: DaySheet, qr: tuple[tuple[str, str], ...] = ()) -> str:
    """One self-contained page; `qr` holds (mobile link, inline SVG) pairs."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ja"><head><meta charset="utf-8">',
        f"<title>{e(sheet.title)} {e(sheet.day)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(sheet.title)} — {e(sheet.day)}</h1>",
        '<p class="meta">',
        f"Start {e(sheet.start)} {e(sheet.depart)} · End {e(sheet.end)} {e(sheet.back)} · "
        f"Lunch {e(sheet.lunch)}<br>",
        f"{len(sheet.stops)} visits · {sheet.km:.1f} km · {sheet.drive_minutes} min driving · "
        f"{sheet.idle_minutes} min idle · score {sheet.score:.0f} · ROI {e(sheet.roi_line)}",
        "</p>",
    ]
    for s in sheet.stops:
        hist = "".join(f"<li>{e(h)}</li>" for h in s.history)
        parts += [
            '<div class="stop">',
            f"<h2>{s.seq}. {e(s.arrival)}–{e(s.departure)} {e(s.company)}</h2>",
            f'<div class="meta">{e(s.address)}<br>Contact {e(s.contact)} · Tel '
            f'<a href="tel:{e(s.phone)}">{e(s.phone)}</a><br>'
            f"Rank {e(s.rank)} (score {s.score:.0f}) · stage {e(s.stage)} · reason {e(s.reason)}"
            f"<br>Drive {s.leg_km:.1f} km / {s.leg_minutes} min · {e(_flags(s))}</div>",
            f"<blockquote>{e(s.talk_script)}</blockquote>",
            f"<ul>{hist}</ul>" if hist else "",
            "</div>",
        ]
    if sheet.links:
        parts.append('<div class="stop"><h2>Directions (desktop)</h2><ol>')
        parts += [
            f'<li><a href="{e(link)}">leg {i}</a></li>' for i, link in enumerate(sheet.links, 1)
        ]
        parts.append("</ol></div>")
    if qr:
        parts.append('<div class="stop"><h2>Directions on the phone (scan)</h2><ol>')
        parts += [
            f'<li><a href="{e(link)}">leg {i}</a><br>{svg}</li>'
            for i, (link, svg) in enumerate(qr, 1)
        ]
        parts.append("</ol></div>")
    parts.append("</body></html>")
    return "\n".join(parts)
