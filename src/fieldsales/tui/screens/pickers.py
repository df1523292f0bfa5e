"""Small modals of the home screen: the filters and the reference point."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from fieldsales.domain.vocab import Reason, Stage
from fieldsales.i18n.labels import REASON_LABELS, STAGE_LABELS
from fieldsales.services.rank import OriginError, RankedAccount, RankFilter
from fieldsales.tui.i18n import error_text
from fieldsales.tui.screens.base import BaseModal
from fieldsales.tui.widgets.text_input import TextInput


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("、", ",").split(",") if p.strip())


class FiltersScreen(BaseModal):
    """Rank, stage, reason, place, distance, owner, due follow-ups, show all."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, current: RankFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        f = self.current
        with Vertical(id="filters-dialog", classes="dialog"):
            yield Static(self.t("Filters"), classes="dialog-title")
            with Horizontal(id="filter-lists"):
                with Vertical():
                    yield Label(self.t("Rank"))
                    yield SelectionList[str](*[(r, r, r in f.ranks) for r in "ABCD"], id="f-ranks")
                with Vertical():
                    yield Label(self.t("Stage"))
                    yield SelectionList[str](
                        *[
                            (self.label(STAGE_LABELS, s.value), s.value, s.value in f.stages)
                            for s in Stage
                        ],
                        id="f-stages",
                    )
                with Vertical():
                    yield Label(self.t("Main reason"))
                    yield SelectionList[str](
                        *[
                            (self.label(REASON_LABELS, r.value), r.value, r.value in f.reasons)
                            for r in Reason
                        ],
                        id="f-reasons",
                    )
            with Grid(id="filter-fields"):
                yield Label(self.t("Prefectures (comma-separated)"))
                yield TextInput(", ".join(f.prefectures), id="f-prefs")
                yield Label(self.t("Cities (comma-separated)"))
                yield TextInput(", ".join(f.cities), id="f-cities")
                yield Label(self.t("Maximum distance (km)"))
                yield TextInput("" if f.within_km is None else f"{f.within_km:g}", id="f-km")
                yield Label(self.t("Owner"))
                yield TextInput(f.owner or "", id="f-owner")
            yield Checkbox(self.t("Only follow-ups due"), f.due_followups, id="f-due")
            yield Checkbox(self.t("Do-not-contact and paused too"), f.show_all, id="f-all")
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Apply"), variant="primary", id="apply")
                yield Button(self.t("Clear all"), id="clear")
                yield Button(self.t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-ranks").focus()

    def action_apply(self) -> None:
        km_text = self.query_one("#f-km", Input).value.strip()
        try:
            km = float(km_text) if km_text else None
        except ValueError:
            self.query_one("#form-error", Static).update(
                self.t("Maximum distance: {text!r} is not a number", text=km_text)
            )
            return
        result = replace(
            self.current,
            ranks=tuple(self.query_one("#f-ranks", SelectionList).selected),
            stages=tuple(self.query_one("#f-stages", SelectionList).selected),
            reasons=tuple(self.query_one("#f-reasons", SelectionList).selected),
            prefectures=_split(self.query_one("#f-prefs", Input).value),
            cities=_split(self.query_one("#f-cities", Input).value),
            within_km=km,
            owner=self.query_one("#f-owner", Input).value.strip() or None,
            due_followups=self.query_one("#f-due", Checkbox).value,
            show_all=self.query_one("#f-all", Checkbox).value,
        )
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(RankFilter(search=self.current.search))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class OriginResolvedHere(Message):
    def __init__(self, label: str, lat: float, lon: float) -> None:
        super().__init__()
        self.point = (label, lat, lon)


class OriginFailed(Message):
    def __init__(self, error: OriginError) -> None:
        super().__init__()
        self.error = error


class OriginScreen(BaseModal):
    """Where distances are measured from: office, an account, a postal code or an
    address (located offline), or typed coordinates. Dismisses with (label, lat,
    lon) once found; what cannot be read keeps the dialog open with the reason."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, highlighted: RankedAccount | None) -> None:
        super().__init__()
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(id="origin-dialog", classes="dialog"):
            yield Static(self.t("Reference point"), classes="dialog-title")
            yield Static(  # a Static wraps on a narrow screen, a Label does not
                self.t(
                    "office, an account id, a postal code or an address (found offline), or LAT,LON"
                ),
                classes="hint",
            )
            yield TextInput(placeholder="〒100-0005 / 35.681236,139.767125", id="origin-spec")
            yield Static("", id="origin-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Use"), variant="primary", id="use")
                yield Button(self.t("Office"), id="office")
                if self.highlighted is not None and self.highlighted.lat is not None:
                    yield Button(
                        f"{self.t('Highlighted account')}: {self.highlighted.company}"[:40],
                        id="highlighted",
                    )
                yield Button(self.t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#origin-spec", Input).focus()

    @on(Input.Submitted, "#origin-spec")
    @on(Button.Pressed, "#use")
    def _use(self) -> None:
        spec = self.query_one("#origin-spec", Input).value.strip()
        if not spec:
            self.query_one("#origin-error", Static).update(
                self.t("Type a postal code, an address, an account id or LAT,LON.")
            )
            return
        self.query_one("#origin-error", Static).update(self.t("Looking it up…"))
        self.resolve(spec)

    @on(Button.Pressed, "#office")
    def _office(self) -> None:
        self.resolve("office")

    @on(Button.Pressed, "#highlighted")
    def _highlighted(self) -> None:
        if self.highlighted is not None:
            self.resolve(self.highlighted.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="origin", name="reference point")
    def resolve(self, spec: str) -> None:
        from fieldsales.services.rank import resolve_origin

        try:
            label, lat, lon = resolve_origin(spec, self.fs.engine, self.fs.settings)
        except OriginError as exc:
            self.post_message(OriginFailed(exc))
            return
        self.post_message(OriginResolvedHere(label, lat, lon))

    def on_origin_failed(self, message: OriginFailed) -> None:
        self.query_one("#origin-error", Static).update(error_text(message.error, self.lang))
        self.query_one("#origin-spec", Input).focus()

    def on_origin_resolved_here(self, message: OriginResolvedHere) -> None:
        self.dismiss(message.point)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
