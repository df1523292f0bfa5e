"""The plan's words: every line and cell a plan is shown with.

The CLI (`fieldsales plan`), the Plan screen and the day sheets (Markdown,
HTML) write a plan with these functions only: the lunch line, the totals
line, the planned ROI, the stops' and calls' cells (value and why), and the
call list's line, in the language asked for (fieldsales.i18n catalogs).
"""

from __future__ import annotations

from fieldsales.domain import channels
from fieldsales.i18n import ntr, tr
from fieldsales.i18n.labels import PLAN_WHY, label
from fieldsales.planning.day_model import DayPlan, hhmm
from fieldsales.planning.planned_day import Call, PlannedDay


def stop_why(pd: PlannedDay, account_id: str) -> str:
    """Why a stop is in the plan: 'A ◎', 'C △ follow-up due', or 'appointment'."""
    if any(p.account_id == account_id for p in pd.model.pins):
        return "appointment"
    c = next((c for c in pd.model.candidates if c.account_id == account_id), None)
    if c is None or not pd.model.visit_fit:
        return ""
    fit = dict(pd.model.visit_fit).get(c.rank, "no")
    return channels.describe_fit(fit, c.rank, c.why)


def call_why(pd: PlannedDay, call: Call) -> str:
    """Why an account is on the call list: 'B ◎', 'D △ follow-up due'."""
    return channels.describe_fit(call.fit, pd.accounts[call.account_id].rank, call.why)


def why_text(why: str, lang: str) -> str:
    """A stop's or a call's why in `lang`: 'C △ follow-up' -> 'C △ フォロー期日' (the rank
    and the fit symbol stay)."""
    if why in PLAN_WHY:
        return label(PLAN_WHY, why, lang)
    parts = why.split(" ", 2)  # rank, fit symbol, reason
    if len(parts) == 3:
        return f"{parts[0]} {parts[1]} {label(PLAN_WHY, parts[2], lang)}"
    return why


STOP_COLUMNS = ("#", "time", "company", "rank", "km", "min", "window", "value", "why")
CALL_COLUMNS = ("#", "time", "company", "rank", "phone", "value", "why")


def value_text(pd: PlannedDay, value: float) -> str:
    """A value as the plan counts it: yen of expected gross profit, or score points."""
    if pd.model.cost_per_km > 0:
        return f"¥{round(value):,}"
    return f"{value:.0f}"


def stop_cells(planned: PlannedDay, short: bool = False) -> list[list[str]]:
    """The stop table's cells (STOP_COLUMNS), shared by `fieldsales plan` and the Plan screen."""
    cells = []
    for i, s in enumerate(planned.plan.stops, 1):
        a = planned.accounts[s.account_id]
        appointment = "appt" if short else "appointment"
        fit = appointment if s.pinned else ("best" if s.in_window else "outside")
        cells.append(
            [
                str(i),
                f"{hhmm(s.start_s)}-{hhmm(s.departure_s)}",
                a.company,
                a.rank,
                f"{s.leg_km:.1f}",
                str(round(s.leg_s / 60)),
                fit,
                value_text(planned, s.value),
                stop_why(planned, s.account_id),
            ]
        )
    return cells


def call_cells(planned: PlannedDay) -> list[list[str]]:
    """The call list's cells (CALL_COLUMNS), for the CLI, the Plan screen and the sheets."""
    out = []
    for i, c in enumerate(planned.calls, 1):
        a = planned.accounts[c.account_id]
        out.append(
            [
                str(i),
                hhmm(c.slot_s),
                a.company,
                a.rank,
                a.phone or "-",
                value_text(planned, c.value),
                call_why(planned, c),
            ]
        )
    return out


def lunch_text(plan: DayPlan) -> str:
    """The lunch break as 'HH:MM-HH:MM', '-' when the day has none."""
    return "-" if plan.lunch is None else f"{hhmm(plan.lunch[0])}-{hhmm(plan.lunch[1])}"


def visits_text(n: int, lang: str = "en") -> str:
    return ntr("{n} visit", "{n} visits", n, lang)


def totals_line(pd: PlannedDay, lang: str = "en") -> str:
    """'5 visits · 23.4 km · 80 min driving · 12 min idle · value ¥48,200'."""
    p = pd.plan
    return tr(
        "{visits} · {km} km · {drive} min driving · {idle} min idle · value {score}",
        lang,
        visits=visits_text(len(p.stops), lang),
        km=f"{p.km:.1f}",
        drive=round(p.drive_s / 60),
        idle=round(p.idle_s / 60),
        score=value_text(pd, p.score),
    )


def roi_line(pd: PlannedDay, lang: str = "en") -> str:
    """The planned ROI: '312% (expected revenue ¥…, gross profit ¥…, cost ¥…)'."""
    r = pd.roi
    pct = tr("n/a", lang) if r.roi_pct is None else f"{r.roi_pct:.0f}%"
    return tr(
        "{pct} (expected revenue ¥{revenue}, gross profit ¥{profit}, cost ¥{cost})",
        lang,
        pct=pct,
        revenue=f"{r.expected_revenue:,}",
        profit=f"{r.gross_profit:,}",
        cost=f"{r.cost:,}",
    )


def value_line(value: str, why: str, lang: str = "en") -> str:
    """A stop's value and why, as the day sheet writes it."""
    return tr("expected gross profit {value} ({why})", lang, value=value, why=why_text(why, lang))


def call_line(rank: str, value: str, why: str, lang: str = "en") -> str:
    """A call of the call list, as the day sheet writes it."""
    return tr(
        "Rank {rank} ({why}), expected gross profit {value}",
        lang,
        value=value,
        why=why_text(why, lang),
        rank=rank,
    )
