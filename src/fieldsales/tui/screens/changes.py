"""An account's history of changes (`i` on the detail screen), and reverting one.

Every change of an account's own fields is listed, newest first: when, the
field, old → new, and where it came from (an import and its file, the app, a
sync). Enter (or `z`) on a change asks, then sets that field back to its value
before the change. The revert is a new entry at the top; nothing is deleted.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from fieldsales.i18n.labels import (
    ACCOUNT_FIELD_LABELS,
    CATEGORY_LABELS,
    CHANGE_COLUMNS,
    CHANGE_SOURCES,
    GEO_MARKS,
    GEO_SOURCES,
    REASON_LABELS,
)
from fieldsales.services.account_form import ChangeRow
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.screens.hours import weekdays_text
from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter

# old and new values share what the other columns leave (a long note would push the
# source off the screen): at least MIN_VALUE_WIDTH, at most MAX_VALUE_WIDTH
OTHER_COLUMNS_WIDTH = 52
MIN_VALUE_WIDTH, MAX_VALUE_WIDTH = 10, 40
VALUE_LABELS = {
    "main_reason": REASON_LABELS,
    "reason_solvable": CATEGORY_LABELS,
    "competitor_status": CATEGORY_LABELS,
    "digital_responsiveness": CATEGORY_LABELS,
    "geo_precision": GEO_MARKS,
    "geo_source": GEO_SOURCES,
}


class ChangesLoaded(Message):
    def __init__(self, rows: list[ChangeRow]) -> None:
        super().__init__()
        self.rows = rows


class Reverted(Message):
    def __init__(self, field: str, changed: list[str]) -> None:
        super().__init__()
        self.field = field
        self.changed = changed


class ChangesScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("z", "revert", "Revert", id="revert_change"),
    ]

    def __init__(self, account_id: str, company: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.company = company
        self.rows: list[ChangeRow] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="ch-title", classes="title-bar")
        yield Static(id="ch-hint", classes="muted")
        yield DataTable(id="changes-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="ch-empty", classes="muted")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#ch-empty").display = False
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="changes", name="history")
    def load(self) -> None:
        from fieldsales.services.account_form import change_history

        self.post_message(ChangesLoaded(change_history(self.fs.engine, self.account_id)))

    def on_changes_loaded(self, message: ChangesLoaded) -> None:
        self.rows = message.rows
        self.render_all()

    def account_changed(self, account_id: str) -> None:
        if account_id == self.account_id:
            self.load()

    def apply_language(self) -> None:
        self.translate()
        self.render_all()

    def on_resize(self) -> None:
        self.render_all()

    # -- rendering ----------------------------------------------------------
    def value_text(self, field: str, value: str | None) -> str:
        if value is None or value == "":
            return "—"
        if field == "do_not_contact":
            return self.t("yes") if value == "true" else self.t("no")
        if field == "closed_weekdays":
            return weekdays_text(value, self.lang) or value
        table = VALUE_LABELS.get(field)
        text = self.label(table, value) if table else value
        return " ".join(text.split())  # a note's line breaks on one line

    def source_text(self, source: str) -> str:
        kind, _, detail = source.partition(":")
        words = self.label(CHANGE_SOURCES, kind)
        return f"{words} {detail}" if detail else words

    def render_all(self) -> None:
        self.query_one("#ch-title", Static).update(f"[b]{self.t('Changes')}[/b]   {self.company}")
        rows = self.rows
        if rows is None:
            return
        self.query_one("#ch-hint", Static).update(
            self.t(
                "Enter or z: set a field back to its value before the change (kept as a change)."
            )
        )
        table = self.query_one(DataTable)
        where = table.cursor_row
        table.clear(columns=True)
        value_width = min(
            MAX_VALUE_WIDTH, max(MIN_VALUE_WIDTH, (self.size.width - OTHER_COLUMNS_WIDTH) // 2)
        )
        for name in ("when", "field", "old", "new", "source"):
            width = value_width if name in ("old", "new") else None
            table.add_column(self.label(CHANGE_COLUMNS, name), key=name, width=width)
        zone = self.fs.settings.zone()
        for r in rows:
            table.add_row(
                r.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                self.label(ACCOUNT_FIELD_LABELS, r.field),
                Text(self.value_text(r.field, r.old_value), style="dim"),
                Text("→ " + self.value_text(r.field, r.new_value), style="bold"),
                self.source_text(r.source),
                key=r.id,
            )
        table.move_cursor(row=min(where, max(len(rows) - 1, 0)))
        empty = self.query_one("#ch-empty", Static)
        empty.update(self.t("No change recorded yet. Edit the account with e on its screen."))
        empty.display = not rows
        table.display = bool(rows)

    # -- revert -------------------------------------------------------------
    def selected(self) -> ChangeRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[table.cursor_row] if table.cursor_row < len(self.rows) else None

    @on(DataTable.RowSelected, "#changes-table")
    def _chosen(self) -> None:
        self.action_revert()

    def action_revert(self) -> None:
        row = self.selected()
        if row is None:
            return
        text = self.t(
            "Set {field} of {company} back to {old}? (now a new change; nothing is deleted)",
            field=self.label(ACCOUNT_FIELD_LABELS, row.field),
            company=self.company,
            old=self.value_text(row.field, row.old_value),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_revert(row.id, row.field)

        self.app.push_screen(ConfirmPauseScreen(text), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="revert", name="revert")
    def run_revert(self, change_id: str, field: str) -> None:
        from fieldsales.services.account_form import revert

        self.post_message(Reverted(field, revert(self.fs.engine, change_id)))

    def on_reverted(self, message: Reverted) -> None:
        name = self.label(ACCOUNT_FIELD_LABELS, message.field)
        if message.changed:
            self.notify(self.t("{field} set back; the revert is at the top.", field=name))
            self.fs.account_changed(self.account_id)
        else:
            self.notify(self.t("{field} already has that value; nothing changed.", field=name))
