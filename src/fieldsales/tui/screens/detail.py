"""Account detail: why it ranks here, who to talk to, what happened, what to say.

From the history a rep corrects an entry (`c`: pick it, the log form opens
filled in) or undoes the last one logged (`u`); the notification offers `r`
to take the undo back. Each is a new event superseding the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from fieldsales.domain import criteria
from fieldsales.domain.calendar import format_hours
from fieldsales.domain.scripts import ScriptFacts
from fieldsales.i18n.labels import (
    CHANNEL_LABELS,
    GEO_MARKS,
    HISTORY_KINDS,
    REASON_LABELS,
    RESULT_LABELS,
    STAGE_LABELS,
    VISIT_STAGE_LABELS,
    label,
)
from fieldsales.services.account_card import AccountCard
from fieldsales.services.corrections import Undone
from fieldsales.services.outcomes import TimelineEntry
from fieldsales.services.published import scripts_origin
from fieldsales.tui.i18n import geo_mark, tr
from fieldsales.tui.screens.base import BaseModal, BaseScreen
from fieldsales.tui.screens.hours import weekdays_text
from fieldsales.tui.widgets.account_table import RANK_STYLES
from fieldsales.tui.widgets.fit_footer import FitFooter
from fieldsales.tui.widgets.score_bars import ScoreBars


@dataclass
class DetailData:
    account: AccountCard | None
    history: list[TimelineEntry]


class DetailLoaded(Message):
    def __init__(self, data: DetailData) -> None:
        super().__init__()
        self.data = data


class UndoDone(Message):
    def __init__(self, result: Undone, taken_back: bool) -> None:
        super().__init__()
        self.result = result
        self.taken_back = taken_back


def shown_raw(acc: AccountCard) -> dict[str, object]:
    """The raw values the score bars take from the account: the field each
    criterion names for it (its category, say)."""
    return {
        c.id: getattr(acc, c.detail_field, None)
        for c in criteria.active()
        if c.detail_field is not None
    }


def entry_text(e: TimelineEntry, lang: str) -> str:
    """One history entry on one line: day, channel, result, amount, next action."""
    parts = [
        e.day.isoformat(),
        label(CHANNEL_LABELS, e.channel, lang),
        label(RESULT_LABELS, e.result, lang),
    ]
    if e.amount:
        parts.append(f"¥{e.amount:,}")
    if e.next_action or e.next_action_due:
        due = f" [{e.next_action_due.isoformat()}]" if e.next_action_due else ""
        parts.append(f"→ {e.next_action or ''}{due}")
    return "  ".join(parts)


class CorrectPickerScreen(BaseModal):
    """The entries in effect, newest first; dismisses with the one to correct (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, entries: list[TimelineEntry]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="correct-dialog", classes="dialog"):
            yield Static(self.t("Which entry do you correct?"), classes="dialog-title")
            yield OptionList(
                *[Option(escape(entry_text(e, self.lang)), id=e.id) for e in self.entries],
                id="correct-list",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(e for e in self.entries if e.id == event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def apply_language(self) -> None:
        self.translate()


def timeline_text(entries: list[TimelineEntry], lang: str) -> Text:
    if not entries:
        return Text(tr("No order or contact recorded yet.", lang), style="dim")
    out = Text()
    for e in entries:
        out.append(e.day.isoformat() + "  ", style="bold")
        if e.kind == "undo":
            out.append("↶ " + tr("undone", lang) + "\n", style="dim")
            continue
        if e.kind != "outcome":
            out.append(label(HISTORY_KINDS, e.kind, lang), style="cyan")
            if e.notes:
                out.append(f"  {e.notes}")
            if e.amount:
                out.append(f"  ¥{e.amount:,}")
            out.append("\n")
            continue
        style = "dim strike" if e.superseded else ""
        out.append(label(CHANNEL_LABELS, e.channel, lang), style=style or "magenta")
        if e.visit_stage and e.visit_stage != "none":
            out.append(f" ({label(VISIT_STAGE_LABELS, e.visit_stage, lang)})", style=style)
        result_style = "red" if e.result == "refused" else "green" if e.result == "order" else ""
        out.append(f"  {label(RESULT_LABELS, e.result, lang)}", style=style or result_style)
        if e.amount:
            out.append(f"  ¥{e.amount:,}", style=style)
        if e.superseded:
            out.append(" " + tr("(corrected)", lang), style="dim")
        out.append("\n")
        if e.next_action or e.next_action_due:
            due = f" [{e.next_action_due.isoformat()}]" if e.next_action_due else ""
            out.append(f"            → {e.next_action or ''}{due}\n", style="dim" if style else "")
        if e.notes:
            out.append(f"            {e.notes}\n", style="dim")
    out.rstrip()
    return out


class DetailScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("l", "log", "Log outcome", id="log_outcome"),
        Binding("g", "locate", "Locate", id="locate"),
        Binding("e", "edit_account", "Edit", id="edit_account"),
        Binding("i", "changes", "Changes", id="account_changes"),
        Binding("h", "edit_hours", "Hours", id="edit_hours"),
        Binding("o", "use_as_origin", "From here", id="origin_here", show=False),
        Binding("c", "correct", "Correct entry", id="correct_outcome"),
        Binding("u", "undo", "Undo last", id="undo_outcome"),
        Binding("r", "take_back", "Take undo back", id="redo_outcome"),
        Binding("A", "assign", "Assign", id="assign_account", show=False),
    ]

    def __init__(self, account_id: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.data: DetailData | None = None
        self.last_undo: str | None = None  # the undo `r` takes back

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take_back":
            return self.last_undo is not None
        return True

    def compose(self) -> ComposeResult:
        yield Static(id="detail-header", classes="title-bar")
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-left"):
                yield Static(classes="section", id="why-title")
                yield ScoreBars(id="score-bars")
                yield Static(classes="section", id="contact-title")
                yield Static(id="contact")
                yield Static(classes="section", id="history-title")
                yield Static(id="history")
            with VerticalScroll(id="detail-right"):
                yield Static(classes="section", id="approach-title")
                yield Static(id="approach")
                yield Static(classes="section", id="phone-title")
                yield Static(id="phone-script")
                yield Static(classes="section", id="visit-title")
                yield Static(id="visit-opener")
        yield FitFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail", name="account")
    def load(self) -> None:
        from fieldsales.services.account_card import account_card
        from fieldsales.services.outcomes import account_history

        account = account_card(self.fs.engine, self.account_id)
        history = (
            account_history(self.fs.engine, self.account_id, zone=self.fs.settings.zone())
            if account
            else []
        )
        self.post_message(DetailLoaded(DetailData(account, history)))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self.data = message.data
        self.render_all()

    def account_changed(self, account_id: str) -> None:
        if account_id == self.account_id:
            self.load()

    def ranking_changed(self, changed: int | None = None) -> None:
        self.render_all()  # new stage, score or follow-up from the re-ranking

    def apply_language(self) -> None:
        self.translate()
        self.render_all()

    # -- rendering ----------------------------------------------------------
    def render_all(self) -> None:
        data = self.data
        if data is None:
            return
        acc = data.account
        header = self.query_one("#detail-header", Static)
        if acc is None:
            header.update(self.t("This account no longer exists."))
            return
        item = self.fs.item(acc.id)
        head = Text()
        if item is not None:
            head.append(f" {item.score.rank} ", style=RANK_STYLES.get(item.score.rank))
            head.append("  ")
            max_total = self.fs.settings.scoring.max_total
            head.append(
                self.t("Score {total:.0f} / {max:.0f}", total=item.score.total, max=max_total)
                + "  "
            )
        head.append(acc.company + (f" {acc.site}" if acc.site else ""), style="bold")
        if item is not None:
            head.append(f"   {self.label(STAGE_LABELS, item.stage)}", style="cyan")
            if item.next_followup:
                head.append(
                    "   " + self.t("next follow-up {date}", date=item.next_followup.isoformat())
                )
            if item.is_paused(self.fs.today) and item.paused_until:
                head.append(
                    "   "
                    + self.t(
                        "not proposed until {date} (refused twice)",
                        date=item.paused_until.isoformat(),
                    ),
                    style="red",
                )
        if acc.do_not_contact:
            head.append("   " + self.t("DO NOT CONTACT: never proposed"), style="bold red")
        header.update(head)

        self.query_one("#why-title", Static).update(self.t("Why it ranks here"))
        if item is not None:
            self.query_one(ScoreBars).show(item.score, self.lang, shown_raw(acc))
        self.query_one("#contact-title", Static).update(self.t("Contact"))
        self.query_one("#contact", Static).update(self.contact_text(acc, item))
        self.query_one("#history-title", Static).update(self.t("History (newest first)"))
        self.query_one("#history", Static).update(timeline_text(data.history, self.lang))
        self.render_scripts(acc)

    def contact_text(self, acc: AccountCard, item: Any) -> Text:
        out = Text()
        person = " ".join(x for x in (acc.contact_name, acc.contact_title) if x)
        out.append((person or "—") + "\n", style="bold")
        if acc.phone:
            out.append(f"☎ {acc.phone}\n")
        if acc.email:
            out.append(f"✉ {acc.email}\n")
        place = " ".join(
            x for x in (acc.postal_code and f"〒{acc.postal_code}", acc.address) if x
        ) or " ".join(x for x in (acc.prefecture, acc.city) if x)
        if place:
            out.append(place + "\n")
        out.append(self.t("Position") + ": ")
        if acc.lat is None or acc.lon is None:
            out.append(self.t("no location"), style="bold #d0a000")
            out.append("  " + self.t("no location: press g to locate it"), style="dim")
        else:
            out.append(f"{acc.lat:.5f}, {acc.lon:.5f}")
            mark = geo_mark(acc.geo_precision, self.lang) or self.label(
                GEO_MARKS, acc.geo_precision
            )
            out.append(
                f"  {mark}", style="#d0a000" if acc.geo_precision in ("town", "city") else ""
            )
            if item is not None and item.distance_km is not None:
                out.append(f"  {item.distance_km:.1f} km")
        out.append("\n")
        out.append_text(self.hours_text(acc))
        if acc.last_product:
            out.append(f"\n{self.t('last order')}: {acc.last_product}")
        if acc.competitor_name:
            out.append(f"\n{self.t('Competitor')}: {acc.competitor_name}")
        if acc.notes:
            out.append("\n" + " ".join(acc.notes.split()), style="dim")
        return out

    def hours_text(self, acc: AccountCard) -> Text:
        """定休日 and 受付時間 on one line, or how to set them."""
        out = Text()
        if not (acc.closed_weekdays or acc.opens_at or acc.closes_at):
            out.append(self.t("press h to set closed days and hours"), style="dim")
            return out
        closed = weekdays_text(acc.closed_weekdays, self.lang) or self.t("no closed day")
        hours = format_hours(acc.opens_at, acc.closes_at) or self.t("any time")
        out.append(f"{self.t('Closed')}: ")
        out.append(closed, style="bold")
        out.append(f"   {self.t('Hours')}: ")
        out.append(hours, style="bold")
        return out

    def render_scripts(self, acc: AccountCard) -> None:
        try:
            scripts = self.fs.scripts
        except ValueError as exc:  # a broken user file: say so, keep the rest
            self.query_one("#approach", Static).update(Text(str(exc), style="red"))
            return
        facts = ScriptFacts(
            company=acc.company,
            site=acc.site,
            contact=acc.contact_name,
            last_order_date=acc.last_order_date,
            last_product=acc.last_product,
            rep=self.fs.settings.rep_name(),
        )
        r = scripts.render(acc.main_reason, facts, self.lang, self.fs.today)
        a = r.approach
        channels = " → ".join(
            self.label(CHANNEL_LABELS, c) if c != "social" else "SNS" for c in a.channels
        )
        self.query_one("#approach-title", Static).update(
            f"{self.t('Approach')}: {escape(self.label(REASON_LABELS, acc.main_reason))}"
        )
        approach = Text()
        approach.append(f"{self.t('Channel order')}: ", style="dim")
        approach.append(channels + "\n", style="bold")
        approach.append(f"{self.t('Key message')}: ", style="dim")
        approach.append(a.key_message + "\n", style="bold")
        approach.append(f"{self.t('Offer')}: ", style="dim")
        approach.append(a.offer)
        origin = scripts_origin(self.fs.settings)
        if origin.team:  # the team's published scripts replace the rep's file: say whose
            approach.append("\n")
            approach.append(
                self.t(
                    "Talk scripts of the team: version {version}, published by {who} at {when}",
                    version=origin.version,
                    who=origin.published_by,
                    when=origin.when(self.fs.settings),
                ),
                style="dim italic",
            )
        self.query_one("#approach", Static).update(approach)
        self.query_one("#phone-title", Static).update(self.t("Phone script"))
        self.query_one("#phone-script", Static).update(Text(r.phone_script))
        self.query_one("#visit-title", Static).update(self.t("Visit opener (first 15 seconds)"))
        self.query_one("#visit-opener", Static).update(Text(r.visit_opener))

    # -- actions ------------------------------------------------------------
    def action_log(self) -> None:
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        self.app.push_screen(LogOutcomeScreen(self.account_id))

    def action_locate(self) -> None:
        from fieldsales.tui.screens.locate import LocateScreen

        self.app.push_screen(LocateScreen(self.account_id))

    def action_edit_hours(self) -> None:
        from fieldsales.tui.screens.hours import HoursScreen

        acc = self.data.account if self.data is not None else None
        if acc is None:  # still loading, or the account is gone
            return
        self.app.push_screen(
            HoursScreen(acc.id, acc.company, acc.closed_weekdays, acc.opens_at, acc.closes_at)
        )

    def action_edit_account(self) -> None:
        from fieldsales.tui.screens.account_edit import AccountEditScreen

        acc = self.data.account if self.data is not None else None
        if acc is not None:  # not while loading, nor for an account that is gone
            self.app.push_screen(AccountEditScreen(acc))

    def action_changes(self) -> None:
        from fieldsales.tui.screens.changes import ChangesScreen

        acc = self.data.account if self.data is not None else None
        if acc is not None:
            self.app.push_screen(ChangesScreen(acc.id, acc.company))

    def action_assign(self) -> None:
        from fieldsales.tui.screens.assign import AssignScreen

        acc = self.data.account if self.data is not None else None
        if acc is not None:
            self.app.push_screen(AssignScreen(acc.id, acc.company, acc.owner_rep))

    def action_use_as_origin(self) -> None:
        self.fs.change_origin(self.account_id)

    def in_effect(self) -> list[TimelineEntry]:
        history = self.data.history if self.data is not None else []
        return [e for e in history if e.kind == "outcome" and not e.superseded and e.id]

    def action_correct(self) -> None:
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        entries = self.in_effect()
        if not entries:
            self.notify(self.t("No entry to correct yet."), severity="warning")
            return

        def chosen(entry: TimelineEntry | None) -> None:
            if entry is not None:
                self.app.push_screen(LogOutcomeScreen(self.account_id, correcting=entry))

        self.app.push_screen(CorrectPickerScreen(entries), chosen)

    def action_undo(self) -> None:
        self.run_undo(None)

    def action_take_back(self) -> None:
        if self.last_undo is not None:
            self.run_undo(self.last_undo)

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo", name="undo")
    def run_undo(self, take_back: str | None) -> None:
        from fieldsales.services.corrections import take_back_undo, undo_last

        engine, settings, today = self.fs.engine, self.fs.settings, self.fs.today
        if take_back is None:
            result = undo_last(engine, settings, self.account_id, today=today)
        else:
            result = take_back_undo(engine, settings, take_back, today=today)
        self.post_message(UndoDone(result, taken_back=take_back is not None))

    def on_undo_done(self, message: UndoDone) -> None:
        r = message.result
        what = {
            "day": r.day.isoformat(),
            "channel": self.label(CHANNEL_LABELS, r.channel),
            "result": self.label(RESULT_LABELS, r.result),
        }
        if message.taken_back:
            self.last_undo = None
            self.notify(self.t("Taken back: {day} {channel} {result} counts again.", **what))
        else:
            self.last_undo = r.event_id
            self.notify(
                self.t("Undone: {day} {channel} {result}. Press r to take it back.", **what),
                timeout=10,
            )
        self.refresh_bindings()
        self.fs.account_changed(self.account_id)
