"""Phrases that follow the customs of the language, not only its words.

- a contact's name with its honorific: 山田様 (Japanese), Mr/Ms is not
  guessed in English, so the name stays as it is;
- a greeting that fits the time of day: おはようございます / こんにちは /
  お疲れさまです;
- a long duration as a person says it: "about 7 years" / "約7年", not
  "95 months".
"""

from __future__ import annotations

from datetime import time

from fieldsales.i18n import N_, ntr, tr

HONORIFICS = ("様", "さま", "さん", "殿", "御中", "各位", "先生")

MORNING_ENDS = time(11, 0)  # おはようございます until 11:00
EVENING_STARTS = time(17, 0)  # お疲れさまです from 17:00

YEARS_FROM_MONTHS = 24  # from two years on, a duration is said in years


def honorific(name: str, lang: str) -> str:
    """`name` as a script or a sheet addresses the person: '山田' -> '山田様' in Japanese."""
    name = name.strip()
    if lang != "ja" or not name or name.endswith(HONORIFICS):
        return name
    return name + "様"


def greeting(at: time | None, lang: str) -> str:
    """A greeting for the time of day; the daytime one when the time is not known."""
    if at is not None and at < MORNING_ENDS:
        return tr(N_("Good morning"), lang)
    if at is not None and at >= EVENING_STARTS:
        return tr(N_("Good evening"), lang)
    return tr(N_("Hello"), lang)


def duration_text(months: float, lang: str) -> str:
    """A dormancy as a rep reads it: '8.7 months', 'about 7 years' / '8.7か月', '約7年'."""
    if round(months) >= YEARS_FROM_MONTHS:
        return ntr("about {n} year", "about {n} years", round(months / 12), lang)
    shown = f"{months:.1f}".removesuffix(".0")  # 8.7 months, 3 months
    return ntr("{months} month", "{months} months", 1 if shown == "1" else 2, lang, months=shown)


def since_text(months: int | None, lang: str) -> str:
    """How long ago, said aloud in a script: 'about 8 months' / '約8か月', 'about 7 years'."""
    if months is None:
        return "?"
    if months >= YEARS_FROM_MONTHS:
        return duration_text(months, lang)
    return ntr("about {n} month", "about {n} months", months, lang)
