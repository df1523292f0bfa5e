"""A virtual table of ranked accounts: only the visible rows are ever rendered.

Textual's DataTable measures every cell and cannot hold 100,000 rows,
so this is a ScrollView using the Line API: the virtual height is the row
count, `render_line` draws one row on demand, and the scrollbar covers all
rows. Cells are padded by terminal cell width, so Japanese text aligns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from fieldsales.i18n.labels import COLUMN_TITLES, REASON_SHORT, STAGE_LABELS, label
from fieldsales.services.rank import RankedAccount, RankTable
from fieldsales.services.rank_search import text_loaded
from fieldsales.services.rank_sort import kept_sorted
from fieldsales.tui.i18n import geo_mark, tr

NOTE_STYLE = Style(dim=True)  # the table's note when it has no rows
RANK_STYLES = {
    "A": Style(bold=True, color="black", bgcolor="#e5484d"),
    "B": Style(bold=True, color="black", bgcolor="#f5a524"),
    "C": Style(bold=True, color="black", bgcolor="#3fb8af"),
    "D": Style(bold=True, color="white", bgcolor="#555555"),
}
DNC_STYLE = Style(color="#ff6b6b", strike=True)
MARK_STYLE = Style(color="#ff6b6b", bold=True)
APPROX_STYLE = Style(color="#d0a000")


@dataclass(frozen=True)
class Column:
    key: str  # sort key and i18n "col.<key>"
    width: int  # cells; 0: the company column, which takes the remaining width
    align: str  # "l" | "r"
    sort_key: Callable[[RankedAccount], object]
    keep: int = 0  # 0: always shown; higher numbers are dropped first on a narrow terminal
    wide: int = 0  # cells on a wide terminal (0: as `width`)


def _none_last(value: object, fallback: object) -> object:
    return (value is None, value if value is not None else fallback)


COLUMNS: tuple[Column, ...] = (
    Column("rank", 4, "l", lambda a: a.score.rank),
    Column("score", 5, "r", lambda a: -a.score.total),
    Column("company", 0, "l", lambda a: a.company),
    Column("city", 10, "l", lambda a: _none_last(a.city, ""), keep=5, wide=16),
    Column("distance", 15, "r", lambda a: _none_last(a.distance_km, 0.0), keep=1),
    Column("stage", 15, "l", lambda a: a.stage, keep=2),
    Column("reason", 12, "l", lambda a: a.main_reason, keep=3, wide=16),
    Column("last_order", 10, "l", lambda a: _none_last(a.last_order_date, date.min), keep=6),
    Column("months", 3, "r", lambda a: _none_last(a.months_dormant, 0.0), keep=7),
    Column("followup", 10, "l", lambda a: _none_last(a.next_followup, date.min), keep=4),
)
GAP = 1
# The company name comes first: a column is shown only while the name keeps at
# least this many cells (7 kanji: 山田豊洲物産株), and the wide widths only
# once it keeps WIDE_COMPANY.
MIN_COMPANY = 14
WIDE_COMPANY = 40
# wider than this, a name column only puts blank cells between a name and its city
MAX_COMPANY = 56


def fit(text: str, width: int, align: str = "l") -> str:
    """Pad or cut `text` to exactly `width` terminal cells (wide characters count 2).

    A cut text ends in "…" right after its last whole character: a wide
    character that does not fit is dropped, not split into a blank.
    """
    if width <= 0:
        return ""
    if cell_len(text) > width:
        cut, used = [], 0
        for ch in text:
            w = cell_len(ch)
            if used + w > width - 1:
                break
            cut.append(ch)
            used += w
        text = "".join(cut) + "…"
    pad = width - cell_len(text)
    return (" " * pad + text) if align == "r" else (text + " " * pad)


@lru_cache(maxsize=64)
def column_widths(total: int) -> tuple[int, ...]:
    """Each column's width in `total` cells; 0 for a column left out.

    Columns are left out from the least needed (highest `keep`) until the
    company name has at least MIN_COMPANY cells; with room to spare the
    columns that have a `wide` width get it. The name never takes more than
    MAX_COMPANY cells: the rest of a very wide row stays blank at its end.
    """

    def company_room(shown: list[Column], wide: bool) -> int:
        used = sum((c.wide or c.width) if wide else c.width for c in shown if c.width)
        return total - used - GAP * (len(shown) - 1)

    shown = list(COLUMNS)
    for keep in sorted({c.keep for c in COLUMNS if c.keep}, reverse=True):
        if company_room(shown, False) >= MIN_COMPANY:
            break
        shown = [c for c in shown if c.keep != keep]
    wide = company_room(shown, True) >= WIDE_COMPANY
    company = max(MIN_COMPANY, min(MAX_COMPANY, company_room(shown, wide)))
    return tuple(
        0 if c not in shown else ((c.wide or c.width) if wide else c.width) or company
        for c in COLUMNS
    )


def _segments(
    texts: list[str], widths: tuple[int, ...], style_of: Callable[[Column], Style], gap: Style
) -> list[Segment]:
    """The shown columns' cells, each cut or padded to its width, a gap between."""
    segments: list[Segment] = []
    for col, text, w in zip(COLUMNS, texts, widths, strict=True):
        if not w:
            continue
        if segments:
            segments.append(Segment(" " * GAP, gap))
        segments.append(Segment(fit(text, w, col.align), style_of(col)))
    return segments


def distance_text(a: RankedAccount, lang: str) -> str:
    if a.distance_km is None:
        return tr("no location", lang)
    mark = geo_mark(a.geo_precision, lang)
    km = f"{a.distance_km:.1f} km"
    return f"{km} {mark}" if mark else km


def cell_texts(a: RankedAccount, lang: str, today: date) -> list[str]:
    company = a.company + (f" {a.site}" if a.site else "")
    if a.do_not_contact:
        company = f"{tr('[do not contact]', lang)} {company}"
    elif a.is_paused(today):
        company = f"{tr('[paused]', lang)} {company}"
    months = "" if a.months_dormant is None else f"{a.months_dormant:.0f}"
    return [
        f" {a.score.rank}  ",
        f"{a.score.total:.0f}",
        company,
        a.city or "",
        distance_text(a, lang),
        label(STAGE_LABELS, a.stage, lang),
        label(REASON_SHORT, a.main_reason, lang),
        a.last_order_date.isoformat() if a.last_order_date else "",
        months,
        a.next_followup.isoformat() if a.next_followup else "",
    ]


class AccountTable(ScrollView, can_focus=True):
    """Ranked accounts, one line each; Enter opens, the cursor follows the keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="cursor_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="cursor_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="page_down"),
        Binding("home", "jump(0)", "First", show=False, id="first_row"),
        Binding("end", "jump(-1)", "Last", show=False, id="last_row"),
        Binding("enter", "select", "Open", id="open"),
    ]

    DEFAULT_CSS = """
    AccountTable { height: 1fr; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Selected(Message):
        """The rep chose an account (Enter or double click)."""

        def __init__(self, account_id: str) -> None:
            super().__init__()
            self.account_id = account_id

    class Highlighted(Message):
        def __init__(self, account_id: str | None) -> None:
            super().__init__()
            self.account_id = account_id

    def __init__(self, *, language: str = "en", today: date | None = None, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.rows: Sequence[RankedAccount] = ()
        self.language = language
        self.today = today or date.today()
        # lines drawn, by (position in the ranking's base, width, language), the
        # cursor's excepted: a search or a scroll shows many of the same accounts
        # again, and drawing one builds its score (forget_lines after a re-score)
        self._lines: dict[tuple[int, int, str], Strip] = {}
        self._lines_of: object = None
        # what the table says when it has no rows (no account matches), drawn in
        # its own lines: a note below it would resize it (a layout of the screen
        # and a second frame at the key that empties or fills the list)
        self._empty_text = ""
        self._empty_lines: tuple[tuple[str, int], list[Strip]] | None = None

    def forget_lines(self, position: int | None = None) -> None:
        """Draw every line anew (the language changed, a new ranking), or only the
        line of the account at `position` in the ranking's base (re-scored alone)."""
        if position is None:
            self._lines.clear()
            return
        for key in [k for k in self._lines if k[0] == position]:
            del self._lines[key]

    # -- data ---------------------------------------------------------------
    def set_rows(self, rows: Sequence[RankedAccount], keep_id: str | None = None) -> None:
        self.rows = rows
        self._set_virtual_size(Size(self.row_width, len(rows)))
        index = 0
        if keep_id is not None:
            # the same account where it is now; filtered out, the same line
            found = find_position(rows, keep_id)
            index = self.cursor if found is None else found
        self.cursor = min(index, max(0, len(rows) - 1))
        self._scroll_cursor_into_view()
        self.refresh()

    @property
    def current(self) -> RankedAccount | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- rendering ----------------------------------------------------------
    @property
    def row_width(self) -> int:
        """Cells a row may use: the widget minus its vertical scrollbar."""
        return self.scrollable_content_region.width or self.size.width

    def render_lines(self, crop: Region) -> list[Strip]:
        rows = self.rows
        if isinstance(rows, RankTable) and not text_loaded(rows.base):
            # before the warm-up loads every account's text: the lines in view in
            # one query, not one query a line (the first paint of the list)
            top = int(self.scroll_offset.y) + crop.y
            rows.base.prefetch(rows.indices[top : top + crop.height])
        return super().render_lines(crop)

    @property
    def empty_text(self) -> str:
        """The note drawn in the table while it has no rows ("" for none)."""
        return self._empty_text

    @empty_text.setter
    def empty_text(self, text: str) -> None:
        if text != self._empty_text:
            self._empty_text = text
            if not self.rows:
                self.refresh()

    def _note_lines(self, width: int) -> list[Strip]:
        """empty_text wrapped to the table's width, a blank line and two cells
        of margin around it (as the note's padding was)."""
        key = (self._empty_text, width)
        if self._empty_lines is None or self._empty_lines[0] != key:
            from rich.text import Text

            style = self.rich_style + NOTE_STYLE
            text = Text(self._empty_text, style=style)
            lines = text.wrap(self.app.console, max(1, width - 4))
            strips = [Strip.blank(width, self.rich_style)]
            for line in lines:
                segments = [Segment("  ", self.rich_style), *line.render(self.app.console)]
                strips.append(Strip(segments).adjust_cell_length(width, self.rich_style))
            self._empty_lines = (key, strips)
        return self._empty_lines[1]

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.row_width
        if index >= len(self.rows):
            if not self.rows and self._empty_text:
                note = self._note_lines(width)
                if y < len(note):
                    return note[y]
            return Strip.blank(width, self.rich_style)
        rows = self.rows
        if index == self.cursor or not isinstance(rows, RankTable):
            return self._draw(index, width)
        if rows.base is not self._lines_of:
            self._lines.clear()
            self._lines_of = rows.base
        key = (int(rows.indices[index]), width, self.language)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > 20_000:
                self._lines.clear()
            strip = self._lines[key] = self._draw(index, width)
        return strip

    def _draw(self, index: int, width: int) -> Strip:
        a = self.rows[index]
        texts = cell_texts(a, self.language, self.today)
        widths = column_widths(width)
        base = self.rich_style
        if index == self.cursor:
            base = base + Style(
                reverse=self.has_focus, bgcolor=None if self.has_focus else "#333a45"
            )

        def style_of(col: Column) -> Style:
            if col.key == "rank":
                return base + RANK_STYLES.get(a.score.rank, Style())
            if col.key == "company" and (a.do_not_contact or a.is_paused(self.today)):
                return base + MARK_STYLE
            if col.key == "distance" and a.geo_precision in ("town", "city", "none"):
                return base + APPROX_STYLE
            return base

        segments = _segments(texts, widths, style_of, base)
        strip = Strip(segments).adjust_cell_length(width, base)
        return strip

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        cur = self.current
        self.post_message(self.Highlighted(cur.id if cur else None))

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.row_width, 1))

    def _set_virtual_size(self, size: Size) -> None:
        """A new row count without a layout of the screen.

        `virtual_size` is a layout reactive: setting it lays out and repaints
        every widget of the screen (~40 ms a key at 120x40). The table's own size
        does not depend on its rows (height 1fr, a vertical scrollbar always
        shown, app.tcss), so only its scrollbar and scroll range need the news.
        """
        if size == self.virtual_size:
            return
        if not self.container_size:  # not laid out yet: the first layout reads it
            self.virtual_size = size
            return
        self.set_reactive(AccountTable.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._set_virtual_size(Size(self.row_width, len(self.rows)))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys and mouse -----------------------------------------------------
    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def move_to(self, index: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, index))
        self._scroll_cursor_into_view()

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self.move_to(len(self.rows) - 1 if index < 0 else index)

    def action_select(self) -> None:
        cur = self.current
        if cur is not None:
            self.post_message(self.Selected(cur.id))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.rows):
            already = index == self.cursor
            self.move_to(index)
            if already or event.chain >= 2:
                self.post_message(self.Selected(self.rows[index].id))


class TableHeader(Widget):
    """The column titles; a click sorts by that column."""

    DEFAULT_CSS = """
    TableHeader { height: 1; }
    """

    class SortRequested(Message):
        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, language: str = "en", **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.language = language
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.scrollbar_cells = 1  # the table's scrollbar width (app.tcss), so titles line up

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        widths = column_widths(width - self.scrollbar_cells)
        style = self.rich_style + Style(bold=True)
        titles = []
        for col in COLUMNS:
            title = label(COLUMN_TITLES, col.key, self.language)
            if col.key == self.sort_column:
                title += "▼" if not self.sort_reverse else "▲"
            titles.append(title)
        segments = _segments(titles, widths, lambda col: style, style)
        return Strip(segments).adjust_cell_length(width, style)

    def on_click(self, event: events.Click) -> None:
        widths = column_widths(self.size.width - self.scrollbar_cells)
        x = 0
        for col, w in zip(COLUMNS, widths, strict=True):
            if not w:
                continue
            if x <= event.x < x + w + GAP:
                self.post_message(self.SortRequested(col.key))
                return
            x += w + GAP


def sort_rows(rows: Sequence[RankedAccount], column: str | None, reverse: bool) -> Any:
    """Rows in the chosen column order; None keeps the ranking (best first).

    A RankTable sorts on its column arrays (building an object per row would
    cost seconds at 100,000 accounts), from the order of every account kept by the
    warm-up when there is one (services/rank_sort.py); a plain list sorts by
    attribute.
    """
    if isinstance(rows, RankTable):
        kept = kept_sorted(rows, column, reverse) if column is not None else None
        return kept if kept is not None else rows.sorted_by(column, reverse)
    if column is None:
        return rows[::-1] if reverse else rows
    col = next(c for c in COLUMNS if c.key == column)
    return sorted(rows, key=col.sort_key, reverse=reverse)  # type: ignore[arg-type]


def find_position(rows: Sequence[RankedAccount], account_id: str) -> int | None:
    """Where an account is in a view (vectorised for a RankTable)."""
    if isinstance(rows, RankTable):
        return rows.position(account_id)
    return next((i for i, a in enumerate(rows) if a.id == account_id), None)
