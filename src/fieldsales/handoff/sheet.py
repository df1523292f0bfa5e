"""The day sheet: what a rep carries into the field, as Markdown and as HTML.

Plain data in (`DaySheet`), text out. The HTML is one self-contained file (no
external CSS, fonts or scripts) that prints cleanly on A4 and opens offline.
Every word of the sheet is in its `lang` (the app's translation table); the
stage and the reason arrive as labels already.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Any

from fieldsales.handoff.clean import cleaned, md
from fieldsales.i18n import N_, NP_, tr
from fieldsales.i18n.labels import (
    CHANNEL_LABELS,
    HISTORY_KINDS,
    REASON_LABELS,
    RESULT_LABELS,
    STAGE_LABELS,
    label,
)
from fieldsales.i18n.phrases import honorific
from fieldsales.planning import text

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.config import Settings
    from fieldsales.planning.planned_day import PlannedDay

HISTORY_LINES = 5  # the most recent events printed per stop; more does not fit a sheet


@dataclass(frozen=True)
class SheetStop:
    seq: int
    arrival: str  # HH:MM
    departure: str
    company: str
    address: str
    contact: str
    phone: str
    stage: str  # a label in the sheet's language, not the stage id
    reason: str  # likewise
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
    value: str = ""  # expected gross profit of the visit, formatted (¥12,345)
    why: str = ""  # why it is in the plan: "A ◎", "C △ follow-up"


@dataclass(frozen=True)
class SheetCall:
    """One call of the day's call list, with its talk script."""

    seq: int
    time: str  # HH:MM, a slot in the phone windows
    company: str
    contact: str
    phone: str
    rank: str
    value: str
    why: str
    talk_script: str


@dataclass(frozen=True)
class DaySheet:
    title: str
    day: str  # ISO date
    start: str
    end: str
    depart: str
    back: str
    lunch: str
    totals: str  # "5 visits · 23.4 km · …" (planning.text)
    roi_line: str
    stops: tuple[SheetStop, ...]
    links: tuple[str, ...] = field(default=())
    lang: str = "en"
    calls: tuple[SheetCall, ...] = ()


def build_sheet(
    pd: PlannedDay, settings: Settings, engine: Engine | None = None, *, mobile: bool = False
) -> DaySheet:
    """The planned day as a sheet: every line written by planning.text, in the
    app's language, with each stop's talk script and recent history (`engine`)."""
    from fieldsales.domain.scripts import ScriptFacts
    from fieldsales.handoff.links import route_links
    from fieldsales.planning.calls import phone_script
    from fieldsales.planning.day_model import hhmm
    from fieldsales.services.published import in_effect, scripts_for

    lang = settings.language

    if engine is not None:
        settings = in_effect(settings, engine)
    scripts = scripts_for(settings)  # the team's published ones, else the local file
    p = pd.plan
    stops = []
    for i, s in enumerate(p.stops, 1):
        a = pd.accounts[s.account_id]
        facts = ScriptFacts(
            a.company,
            a.site,
            a.contact_name,
            a.last_order_date,
            a.last_product,
            settings.rep_name(),
            at=time(s.start_s // 3600 % 24, s.start_s % 3600 // 60),
        )
        script = scripts.render(a.main_reason, facts, settings.language, p.day).visit_opener
        stops.append(
            SheetStop(
                seq=i,
                arrival=hhmm(s.start_s),
                departure=hhmm(s.departure_s),
                company=a.company + (f" {a.site}" if a.site else ""),
                address=" ".join(
                    x
                    for x in (a.prefecture, a.city, a.address)
                    if x and not (a.address and x in a.address)
                )
                or "-",
                contact=honorific(a.contact_name or "", lang) or "-",
                phone=a.phone or "-",
                stage=label(STAGE_LABELS, a.stage, lang),
                reason=label(REASON_LABELS, a.main_reason, lang),
                rank=a.rank,
                score=a.total,
                leg_km=s.leg_km,
                leg_minutes=round(s.leg_s / 60),
                in_window=s.in_window,
                pinned=s.pinned,
                talk_script=script,
                history=_history(engine, a.id, lang),
                lat=a.lat or 0.0,
                lon=a.lon or 0.0,
                value=text.value_text(pd, s.value),
                why=text.stop_why(pd, s.account_id),
            )
        )
    calls = tuple(
        SheetCall(
            seq=i,
            time=hhmm(c.slot_s),
            company=pd.accounts[c.account_id].company,
            contact=honorific(pd.accounts[c.account_id].contact_name or "", lang) or "-",
            phone=pd.accounts[c.account_id].phone or "-",
            rank=pd.accounts[c.account_id].rank,
            value=text.value_text(pd, c.value),
            why=text.call_why(pd, c),
            talk_script=phone_script(pd.accounts[c.account_id], settings, p.day),
        )
        for i, c in enumerate(pd.calls, 1)
    )
    sheet = DaySheet(
        title=tr("Visit plan ({rep})", lang, rep=settings.rep_name()),
        day=p.day.isoformat(),
        start=p.start.label,
        end=p.end.label,
        depart=hhmm(p.depart_s),
        back=hhmm(p.return_s),
        lunch=text.lunch_text(p),
        totals=text.totals_line(pd, lang),
        roi_line=text.roi_line(pd, lang),
        stops=tuple(stops),
        links=tuple(route_links(pd, mobile=mobile)),
        lang=lang,
        calls=calls,
    )
    return cleaned(sheet)  # no control character from a spreadsheet cell reaches a file


def _history(engine: Engine | None, account_id: str, lang: str = "en") -> tuple[str, ...]:
    if engine is None:
        return ()
    from fieldsales.services.outcomes import account_history

    lines = []
    for e in account_history(engine, account_id)[:HISTORY_LINES]:
        if e.kind == "outcome":
            channel = label(CHANNEL_LABELS, e.channel, lang)
            what = f"{channel}: {label(RESULT_LABELS, e.result, lang)}"
            if e.next_action:
                what += f" → {e.next_action}"
        else:
            what = label(HISTORY_KINDS, e.kind, lang) + (f": {e.notes}" if e.notes else "")
        lines.append(f"{e.day.isoformat()} {what}")
    return tuple(lines)


def _flags(s: SheetStop, lang: str) -> str:
    bits = []
    if s.pinned:
        bits.append(tr(NP_("time window", "appointment"), lang))
    bits.append(tr(N_("in best window") if s.in_window else N_("outside best window"), lang))
    return ", ".join(bits)


def _rank_line(s: SheetStop, lang: str) -> str:
    line = tr(
        "Rank {rank} (score {score}), stage {stage}, reason {reason}",
        lang,
        rank=s.rank,
        score=f"{s.score:.0f}",
        stage=s.stage,
        reason=s.reason,
    )
    if s.value:
        line += " · " + text.value_line(s.value, s.why, lang)
    return line


def _call_line(c: SheetCall, lang: str) -> str:
    return text.call_line(c.rank, c.value, c.why, lang)


def _drive(s: SheetStop, lang: str) -> str:
    return tr("Drive {km} km / {minutes} min", lang, km=f"{s.leg_km:.1f}", minutes=s.leg_minutes)


def to_markdown(sheet: DaySheet) -> str:
    lang = sheet.lang

    def t(key: str, **values: Any) -> str:
        return tr(key, lang, **values)

    out = [
        f"# {md(sheet.title)} — {sheet.day}",
        "",
        f"- {t('Start: {place}, leave {time}', place=md(sheet.start), time=sheet.depart)}",
        f"- {t('End: {place}, back {time}', place=md(sheet.end), time=sheet.back)}",
        f"- {t('Lunch')}: {sheet.lunch}",
        f"- {sheet.totals}",
        f"- {t('Planned ROI')}: {sheet.roi_line}",
        "",
    ]
    for s in sheet.stops:
        out += [
            f"## {s.seq}. {s.arrival}-{s.departure} {md(s.company)}",
            "",
            f"- {t('Address')}: {md(s.address)}",
            f"- {t('Contact')}: {md(s.contact)}  {t('Tel')}: {md(s.phone)}",
            f"- {_rank_line(s, lang)}",
            f"- {_drive(s, lang)}; {_flags(s, lang)}",
            "",
            f"**{t('Talk script')}**",
            "",
            *[f"> {md(line)}" for line in s.talk_script.splitlines() or [""]],
            "",
        ]
        if s.history:
            out += [f"**{t('History')}**", "", *[f"- {md(h)}" for h in s.history], ""]
    if sheet.calls:
        out += [f"## {t('Calls ({n}): phone windows, best value first', n=len(sheet.calls))}", ""]
        for c in sheet.calls:
            out += [
                f"### {c.seq}. {c.time} {md(c.company)}",
                "",
                f"- {t('Contact')}: {md(c.contact)}  {t('Tel')}: {md(c.phone)}",
                f"- {_call_line(c, lang)}",
                "",
                *[f"> {md(line)}" for line in c.talk_script.splitlines() or [""]],
                "",
            ]
    if sheet.links:
        out += [f"## {t('Directions (Google Maps)')}", ""]
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
    lang = sheet.lang

    def t(key: str, **values: Any) -> str:
        return e(tr(key, lang, **values))

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        f"<title>{e(sheet.title)} {e(sheet.day)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{e(sheet.title)} — {e(sheet.day)}</h1>",
        '<p class="meta">',
        f"{t('Start')} {e(sheet.start)} {e(sheet.depart)} · "
        f"{t('End')} {e(sheet.end)} {e(sheet.back)} · "
        f"{t('Lunch')} {e(sheet.lunch)}<br>",
        f"{e(sheet.totals)} · {t('Planned ROI')} {e(sheet.roi_line)}",
        "</p>",
    ]
    for s in sheet.stops:
        hist = "".join(f"<li>{e(h)}</li>" for h in s.history)
        parts += [
            '<div class="stop">',
            f"<h2>{s.seq}. {e(s.arrival)}–{e(s.departure)} {e(s.company)}</h2>",
            f'<div class="meta">{e(s.address)}<br>{t("Contact")} {e(s.contact)} · '
            f'{t("Tel")} <a href="tel:{e(s.phone)}">{e(s.phone)}</a><br>'
            f"{e(_rank_line(s, lang))}"
            f"<br>{e(_drive(s, lang))} · {e(_flags(s, lang))}</div>",
            f"<blockquote>{e(s.talk_script)}</blockquote>",
            f"<ul>{hist}</ul>" if hist else "",
            "</div>",
        ]
    if sheet.calls:
        parts.append(
            f'<div class="stop"><h2>{t("Calls ({n}): phone windows, best value first", n=len(sheet.calls))}</h2></div>'
        )
        for c in sheet.calls:
            parts += [
                '<div class="stop">',
                f"<h2>{c.seq}. {e(c.time)} {e(c.company)}</h2>",
                f'<div class="meta">{t("Contact")} {e(c.contact)} · '
                f'{t("Tel")} <a href="tel:{e(c.phone)}">{e(c.phone)}</a><br>'
                f"{e(_call_line(c, lang))}</div>",
                f"<blockquote>{e(c.talk_script)}</blockquote>",
                "</div>",
            ]
    if sheet.links:
        parts.append(f'<div class="stop"><h2>{t("Directions (desktop)")}</h2><ol>')
        parts += [
            f'<li><a href="{e(link)}">{t("leg {n}", n=i)}</a></li>'
            for i, link in enumerate(sheet.links, 1)
        ]
        parts.append("</ol></div>")
    if qr:
        parts.append(f'<div class="stop"><h2>{t("Directions on the phone (scan)")}</h2><ol>')
        parts += [
            f'<li><a href="{e(link)}">{t("leg {n}", n=i)}</a><br>{svg}</li>'
            for i, (link, svg) in enumerate(qr, 1)
        ]
        parts.append("</ol></div>")
    parts.append("</body></html>")
    return "\n".join(parts)
