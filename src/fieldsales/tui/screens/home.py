"""Accounts (home): the ranked list, best first, filtered and searched in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widgets import Input, Static

from fieldsales.i18n.labels import COLUMN_TITLES, REASON_LABELS, STAGE_LABELS
from fieldsales.services.rank import RankedAccount, RankFilter, filter_ranked
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.account_table import COLUMNS, AccountTable, TableHeader, sort_rows
from fieldsales.tui.widgets.fit_footer import FitFooter
from fieldsales.tui.widgets.text_input import TextInput


def _show(line: Static, text: str) -> None:
    """Put `text` in a Static when it changed. The title and filter lines are one
    line high, so a new text needs no new layout: a layout repaints the whole
    screen, which at each key typed would cost more than the search itself."""
    if getattr(line, "_shown", None) != text:
        line._shown = text  # type: ignore[attr-defined]
        line.update(text, layout=False)


class SearchInput(TextInput):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_table", "Down", show=False, id="search_to_table"),
        Binding("enter", "to_table", "Down", show=False, id="search_enter"),
        Binding("escape", "clear", "Clear search", show=False, id="clear"),
    ]

    def _watch_value(self, value: str) -> None:
        """Input's own watcher, without the layout of the whole screen it asks for
        at each key (its text's width is its virtual size, a layout reactive): the
        box is one line of fixed width, so only its own repaint is needed."""
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        self.refresh()
        self.post_message(self.Changed(self, value, None))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False

    def action_to_table(self) -> None:
        self.screen.query_one(AccountTable).focus()

    def action_clear(self) -> None:
        self.value = ""
        self.screen.query_one(AccountTable).focus()


class HomeScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search"),
        Binding("l", "log", "Log outcome", id="log_outcome"),
        Binding("f", "filters", "Filters", id="filters"),
        Binding("o", "origin", "From…", id="origin"),
        Binding("t", "followups", "Follow-ups", id="followups"),
        # not in the footer (it would push ? Help off a 120-column one): in ? and Ctrl+P
        Binding("w", "early_warning", "Early warning", id="early_warning", show=False),
        Binding("v", "review", "Review", id="review"),
        Binding("a", "show_all", "Do-not-contact and paused too", id="show_all", show=False),
        Binding("d", "due_only", "Due only", id="due_only", show=False),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("r", "sort_reverse", "Reverse", id="sort_reverse", show=False),
        Binding("escape", "clear_search", "Clear search", id="clear", show=False),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
        Binding("q", "app.quit", "Quit", id="quit_home", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = RankFilter()
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.shown: Sequence[RankedAccount] = []

    def compose(self) -> ComposeResult:
        yield Static(id="home-title", classes="title-bar")
        yield SearchInput(placeholder=self.t("Search company (kana, kanji, latin)…"), id="search")
        yield Static(id="filter-line", classes="muted")
        yield TableHeader(language=self.lang, id="table-header")
        yield AccountTable(language=self.lang, today=self.fs.today, id="accounts")
        yield Static(self.t("Loading accounts…"), id="empty-note", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(AccountTable).focus()
        if not self.fs.loaded:
            self.fs.take_early_ranking()  # the start's ranking, when it is at hand
        self.update_title()
        if self.fs.loaded:
            self.ranking_changed()

    # -- data ---------------------------------------------------------------
    def ranking_changed(self, changed: int | None = None) -> None:
        """A new ranking, or (`changed`) one account re-scored and moved in it: only
        that account's line is drawn anew, the others are the same."""
        self.query_one(AccountTable).forget_lines(changed)
        self.refilter(keep=True)

    def search_keys_ready(self) -> None:
        """The romaji keys arrived: a search in latin letters finds by them now."""
        if self.filters.search.isascii() and self.filters.search.strip():
            self.refilter(keep=True)

    def origin_changed(self) -> None:
        self.update_title()

    def account_changed(self, account_id: str) -> None:
        pass  # ranking_changed already refreshed the list

    def refilter(self, keep: bool = True) -> None:
        table = self.query_one(AccountTable)
        current = table.current.id if keep and table.current else None
        ranked: Any = self.fs.ranked
        items = filter_ranked(ranked, self.filters, self.fs.today) if ranked else []
        self.shown = sort_rows(items, self.sort_column, self.sort_reverse)
        table.set_rows(self.shown, keep_id=current)
        note = self.query_one("#empty-note", Static)  # "Loading accounts…"
        if self.fs.loaded:
            # in the table's own lines: it keeps its size, and the screen its layout
            table.empty_text = (
                self.t(
                    "No account matches. Press f to change the filters or Esc to clear the search."
                )
                if not self.shown
                else ""
            )
            if note.display:
                note.display = False
        self.update_title()

    def update_title(self) -> None:
        origin_label, lat, lon = self.fs.origin
        count = self.nt(
            "{shown:,} of {n:,} account",
            "{shown:,} of {n:,} accounts",
            len(self.fs.ranked),
            shown=len(self.shown),
        )
        _show(
            self.query_one("#home-title", Static),
            f"[b]{self.t('Accounts')}[/b]   {self.t('From')}: [b]{origin_label}[/b]"
            f" ({lat:.4f}, {lon:.4f})   {count}",
        )
        _show(
            self.query_one("#filter-line", Static), f"{self.t('Filters')}: {self.filter_summary()}"
        )

    def filter_summary(self) -> str:
        f, parts = self.filters, []
        if f.ranks:
            parts.append("/".join(f.ranks))
        if f.stages:
            parts.append(", ".join(self.label(STAGE_LABELS, s) for s in f.stages))
        if f.reasons:
            parts.append(", ".join(self.label(REASON_LABELS, r) for r in f.reasons))
        parts += [*f.prefectures, *f.cities]
        if f.owner:
            parts.append(f"@{f.owner}")
        if f.within_km is not None:
            parts.append(f"≤ {f.within_km:g} km")
        if f.due_followups:
            parts.append(self.t("Due only"))
        if f.show_all:
            parts.append(f"[b red]{self.t('Do-not-contact and paused too')}[/]")
        if self.sort_column:
            arrow = "▲" if self.sort_reverse else "▼"
            parts.append(
                self.t(
                    "sorted by {column}{arrow}",
                    column=self.label(COLUMN_TITLES, self.sort_column),
                    arrow=arrow,
                )
            )
        return "  ".join(parts) if parts else self.t("none")

    def apply_language(self) -> None:
        self.translate()
        self.query_one(SearchInput).placeholder = self.t("Search company (kana, kanji, latin)…")
        for widget in (self.query_one(AccountTable), self.query_one(TableHeader)):
            widget.language = self.lang
            widget.refresh()
        self.refilter()

    # -- events -------------------------------------------------------------
    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, search=event.value)
        self.refilter(keep=False)

    @on(AccountTable.Selected)
    def open_account(self, event: AccountTable.Selected) -> None:
        from fieldsales.tui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(event.account_id))

    @on(TableHeader.SortRequested)
    def sort_requested(self, event: TableHeader.SortRequested) -> None:
        if self.sort_column == event.column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = event.column, False
        self._sorted()

    def _sorted(self) -> None:
        header = self.query_one(TableHeader)
        header.sort_column, header.sort_reverse = self.sort_column, self.sort_reverse
        header.refresh()
        # a new order starts at its top: the cursor on the first row, scrolled up
        self.refilter(keep=False)
        self.query_one(AccountTable).scroll_to(y=0, animate=False)

    # -- actions ------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one(SearchInput).focus()

    def action_clear_search(self) -> None:
        self.query_one(SearchInput).value = ""
        self.query_one(AccountTable).focus()

    def action_log(self) -> None:
        current = self.query_one(AccountTable).current
        if current is None:
            return
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        self.app.push_screen(LogOutcomeScreen(current.id))

    def action_filters(self) -> None:
        from fieldsales.tui.screens.pickers import FiltersScreen

        def done(result: Any) -> None:
            if isinstance(result, RankFilter):
                self.filters = replace(result, search=self.filters.search)
                self.refilter()

        self.app.push_screen(FiltersScreen(self.filters), done)

    def action_origin(self) -> None:
        from fieldsales.tui.screens.pickers import OriginScreen

        current = self.query_one(AccountTable).current

        def done(point: Any) -> None:
            if isinstance(point, tuple):
                self.fs.set_origin(*point)

        self.app.push_screen(OriginScreen(current), done)

    def action_followups(self) -> None:
        from fieldsales.tui.screens.followups import FollowupsScreen

        self.app.push_screen(FollowupsScreen())

    def action_early_warning(self) -> None:
        from fieldsales.tui.screens.early_warning import EarlyWarningScreen

        self.app.push_screen(EarlyWarningScreen())

    def action_review(self) -> None:
        from fieldsales.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen())

    def action_show_all(self) -> None:
        self.filters = replace(self.filters, show_all=not self.filters.show_all)
        self.refilter()

    def action_due_only(self) -> None:
        self.filters = replace(self.filters, due_followups=not self.filters.due_followups)
        self.refilter()

    def action_sort(self) -> None:
        keys = [None, *(c.key for c in COLUMNS)]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.sort_reverse = False
        self._sorted()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._sorted()

    def action_reload(self) -> None:
        self.fs.load_ranking()
