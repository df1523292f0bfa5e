"""The score breakdown as horizontal bars: each criterion's points out of its maximum."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from fieldsales.domain import criteria
from fieldsales.domain.scoring import ScoreResult
from fieldsales.i18n import tr
from fieldsales.i18n.labels import CATEGORY_LABELS, CRITERION_LABELS, label
from fieldsales.i18n.phrases import duration_text

BAR_CELLS = 12
LABEL_CELLS = 18


def yen_short(amount: float, lang: str) -> str:
    """A compact amount a rep reads at a glance: ¥19.4M / 1,936万円."""
    if lang == "ja":
        return f"{amount / 10_000:,.0f}万円" if amount >= 10_000 else f"{amount:,.0f}円"
    if amount >= 1_000_000:
        return f"¥{amount / 1_000_000:.1f}M"
    return f"¥{amount / 1_000:.0f}k" if amount >= 1_000 else f"¥{amount:.0f}"


def _raw_text(criterion: criteria.Criterion | None, raw: object, lang: str) -> str:
    """The raw value as the criterion's entry says it is shown."""
    display = criterion.display if criterion is not None else "number"
    if raw is None:
        # the one missing-value text the registry names today (proximity's), written
        # as a literal so that the catalog's extraction finds it
        return tr("no location", lang) if criterion and criterion.missing_key else "—"
    if display == "yen" and isinstance(raw, int | float):
        return yen_short(raw, lang)
    if display == "months":
        return duration_text(raw, lang) if isinstance(raw, int | float) else str(raw)
    if display == "km":
        return f"{raw} km"
    return label(CATEGORY_LABELS, raw, lang) if isinstance(raw, str) else str(raw)


def score_bars(score: ScoreResult, lang: str, raw: dict[str, object] | None = None) -> Text:
    """One line per criterion, in the score's (the registry's) order, labelled by
    each entry's label key; `raw` supplies values the score does not carry."""
    out = Text()
    for c in score.criteria:
        entry = criteria.find(c.name)
        key = entry.label_key if entry is not None else c.name
        name = label(CRITERION_LABELS, key, lang)
        out.append(name + " " * max(1, LABEL_CELLS - cell_len(name)))
        value = c.raw if c.raw is not None else (raw or {}).get(c.name)
        if c.score is None:
            out.append("·" * BAR_CELLS, style="dim")
            out.append(f"   —/—    {_raw_text(entry, value, lang)}\n", style="dim")
            continue
        fraction = c.points / c.max_points if c.max_points else 0.0
        filled = round(fraction * BAR_CELLS)
        colour = "green" if fraction >= 0.7 else "yellow" if fraction >= 0.4 else "red"
        out.append("█" * filled, style=colour)
        out.append("░" * (BAR_CELLS - filled), style="dim")
        out.append(f" {c.points:3.0f}/{c.max_points:<3.0f} ")
        out.append(f"{_raw_text(entry, value, lang)}\n", style="dim")
    out.rstrip()
    return out


class ScoreBars(Static):
    """Shows one account's breakdown; update with `show(score, lang)`."""

    def show(self, score: ScoreResult, lang: str, raw: dict[str, object] | None = None) -> None:
        self.update(score_bars(score, lang, raw))
