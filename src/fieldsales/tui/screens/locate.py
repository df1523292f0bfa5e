"""Locate one account: by typed LAT,LON, by postal code, or by asking the geocoder.

The answer is a candidate shown on a small map (office and candidate) and in
words (precision, source, a suspicious flag) before anything is saved; only
Save writes it. Lookups run in workers: the geocoder may be slow or offline.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from fieldsales.geo.distance import haversine_km
from fieldsales.i18n.labels import GEO_MARKS, GEO_PRECISION_WORDS, GEO_SOURCES, label
from fieldsales.tui.i18n import geo_mark
from fieldsales.tui.screens.base import FormModal
from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen
from fieldsales.tui.widgets.route_map import RouteMap
from fieldsales.tui.widgets.text_input import TextInput


class CandidateFound(Message):
    def __init__(self, candidate: Any, what: str) -> None:
        super().__init__()
        self.candidate = candidate  # services.locate_one.Candidate | None
        self.what = what


class GeocoderFailed(Message):
    def __init__(self, reason: str, offline: bool) -> None:
        super().__init__()
        self.reason = reason
        self.offline = offline


class PositionSaved(Message):
    pass


class PostalLoaded(Message):
    def __init__(self, postal: str | None, precision: str = "none") -> None:
        super().__init__()
        self.postal = postal
        self.precision = precision  # of the position the account has now


class LocateScreen(FormModal):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, account_id: str) -> None:
        super().__init__()
        self.account_id = account_id
        self.candidate: Any = None
        self.current_precision = "none"

    def compose(self) -> ComposeResult:
        item = self.fs.item(self.account_id)
        company = item.company if item else ""
        with Vertical(id="locate-dialog", classes="dialog"):
            yield Static(self.t("Locate {company}", company=company), classes="dialog-title")
            with Horizontal(classes="locate-row"):
                yield Label(self.t("LAT,LON"))
                yield TextInput(placeholder="35.681236,139.767125", id="latlon")
                yield Button(self.t("Preview"), id="by-latlon")
            with Horizontal(classes="locate-row"):
                yield Label("〒")
                yield TextInput(placeholder="100-0005", id="postal")
                yield Button(self.t("By postal code"), id="by-postal")
                yield Button(self.t("Ask the geocoder"), id="by-geocoder")
            yield RouteMap(id="locate-map")
            yield Static("", id="locate-preview")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save position") + " (Ctrl+S)", variant="primary", id="save")
                yield Button(self.t("Cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#latlon", Input).focus()
        self.load_postal()

    @work(thread=True, exit_on_error=False, group="locate", name="account")
    def load_postal(self) -> None:
        from fieldsales.services.account_card import account_card

        acc = account_card(self.fs.engine, self.account_id)
        if acc is None:
            self.post_message(PostalLoaded(None))
            return
        precision = acc.geo_precision if acc.lat is not None else "none"
        self.post_message(PostalLoaded(acc.postal_code, precision))

    def on_postal_loaded(self, message: PostalLoaded) -> None:
        self.current_precision = message.precision
        postal = self.query_one("#postal", Input)
        if message.postal and not postal.value:
            postal.value = message.postal

    # -- lookups ------------------------------------------------------------
    @on(Input.Submitted, "#latlon")
    @on(Button.Pressed, "#by-latlon")
    def by_latlon(self) -> None:
        from fieldsales.services.locate_one import parse_latlon

        text = self.query_one("#latlon", Input).value
        try:
            candidate = parse_latlon(text)
        except ValueError:
            self.show_error(self.t("{text!r}: type LAT,LON, e.g. 35.68,139.76", text=text))
            return
        self.show(candidate)

    @on(Input.Submitted, "#postal")
    @on(Button.Pressed, "#by-postal")
    def by_postal(self) -> None:
        self.lookup_postal(self.query_one("#postal", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="locate", name="postal code")
    def lookup_postal(self, code: str) -> None:
        from fieldsales.services.locate_one import candidate_from_postal_code

        self.post_message(CandidateFound(candidate_from_postal_code(code), f"〒{code}"))

    @on(Button.Pressed, "#by-geocoder")
    def by_geocoder(self) -> None:
        self.show_error(self.t("Asking the geocoder…"))
        self.lookup_geocoder()

    @work(thread=True, exclusive=True, exit_on_error=False, group="locate", name="geocoder")
    def lookup_geocoder(self) -> None:
        from fieldsales.geo.geocode import GeocodingOffline, GeocodingStopped, QueryRejected
        from fieldsales.services.locate_one import candidate_from_geocoder

        try:
            found = candidate_from_geocoder(
                self.fs.engine, self.fs.settings.geocoding, self.account_id
            )
        except GeocodingOffline as exc:
            self.post_message(GeocoderFailed(str(exc), offline=True))
            return
        except (GeocodingStopped, QueryRejected) as exc:
            self.post_message(GeocoderFailed(str(exc), offline=False))
            return
        self.post_message(CandidateFound(found, "geocoder"))

    def on_geocoder_failed(self, message: GeocoderFailed) -> None:
        if message.offline:
            text = self.t(
                "Offline: the geocoder cannot be reached ({reason}). "
                "Use the postal code or type LAT,LON; nothing was changed.",
                reason=message.reason.removeprefix("offline: "),
            )
        else:
            text = self.t("The geocoder did not answer: {reason}", reason=message.reason)
        self.show_error(text)

    def on_candidate_found(self, message: CandidateFound) -> None:
        if message.candidate is None:
            self.show_error(self.t("{what}: not found", what=message.what))
            return
        self.show(message.candidate)

    # -- preview ------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.query_one("#locate-preview", Static).update(Text(text, style="bold red"))

    def show(self, candidate: Any) -> None:
        self.candidate = candidate
        office = self.fs.settings.office
        current = self.fs.item(self.account_id)
        others = []
        if current is not None and current.lat is not None and current.lon is not None:
            others.append((current.lat, current.lon))  # where it is now, as a faint dot
        self.query_one(RouteMap).set_route(
            [(office.lat, office.lon), (candidate.lat, candidate.lon)], others
        )
        precision = geo_mark(candidate.precision, self.lang) or label(
            GEO_MARKS, candidate.precision, self.lang
        )
        text = Text(
            self.t(
                "Preview: {lat:.5f}, {lon:.5f} ({precision}, {source})",
                lat=candidate.lat,
                lon=candidate.lon,
                precision=precision,
                source=label(GEO_SOURCES, candidate.source, self.lang),
            )
        )
        km = haversine_km(office.lat, office.lon, candidate.lat, candidate.lon)
        text.append(f"\n{candidate.label}  ·  {office.label} {km:.1f} km")
        if candidate.suspicious:
            km_off = "?" if candidate.offset_km is None else f"{candidate.offset_km:.1f}"
            text.append(
                "\n"
                + self.t(
                    "⚠ suspicious: {km} km from the town position; check before saving", km=km_off
                ),
                style="bold yellow",
            )
        self.query_one("#locate-preview", Static).update(text)

    # -- save ---------------------------------------------------------------
    def action_save(self) -> None:
        from fieldsales.services.locating import rank

        candidate = self.candidate
        if candidate is None:
            self.show_error(self.t("Nothing to save yet: preview a position first."))
            return
        if rank(candidate.precision) >= rank(self.current_precision):
            self.save(candidate)
            return
        # a coarser position over a finer one (a postal code's town over a street): ask
        text = self.t(
            "The account's position is precise to the {now}; the new one only to the "
            "{new}. Replace it?",
            now=label(GEO_PRECISION_WORDS, self.current_precision, self.lang),
            new=label(GEO_PRECISION_WORDS, candidate.precision, self.lang),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.save(candidate)
            else:
                self.show_error(self.t("Kept the more precise position; nothing saved."))

        self.app.push_screen(ConfirmPauseScreen(text), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="locate-save", name="saving")
    def save(self, candidate: Any) -> None:
        from fieldsales.services.locate_one import save_position

        save_position(self.fs.engine, self.account_id, candidate)
        self.post_message(PositionSaved())

    def on_position_saved(self, _: PositionSaved) -> None:
        item = self.fs.item(self.account_id)
        self.notify(self.t("Position saved for {company}.", company=item.company if item else ""))
        self.fs.account_changed(self.account_id)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
