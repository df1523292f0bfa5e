"""Help (every key and its binding id), settings in use, about and credits, first run."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from fieldsales import __version__
from fieldsales.tui.i18n import CREDITS, tr
from fieldsales.tui.screens.base import BaseScreen


def _key_name(key: str) -> str:
    return {"question_mark": "?", "slash": "/"}.get(key, key)


class _InfoScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("q", "app.pop_screen", "Back", id="back_q", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="info-title", classes="title-bar")
        with VerticalScroll(id="info-body"):
            yield Static(id="info-text")
        yield Footer()

    def on_mount(self) -> None:
        self.render_info()

    def apply_language(self) -> None:
        self.translate()
        self.render_info()

    def render_info(self) -> None:
        raise NotImplementedError


class HelpScreen(_InfoScreen):
    """The keys of the screen it was opened from, with ids for the keymap."""

    def __init__(self, origin: Screen[Any]) -> None:
        super().__init__()
        self.origin = origin

    def render_info(self) -> None:
        self.query_one("#info-title", Static).update(f"[b]{self.t('help.title')}[/b]")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        table.add_column(self.t("help.key"), style="bold cyan")
        table.add_column("")
        table.add_column(self.t("help.id"), style="dim")
        seen: set[str] = set()
        for node in [self.origin, *self.origin.query("*"), self.app]:
            for binding_key, items in node._bindings.key_to_bindings.items():
                for b in items:
                    if not b.id or b.id in seen:
                        continue
                    seen.add(b.id)
                    desc = tr(f"key.{b.id}", self.lang)
                    if desc == f"key.{b.id}":
                        desc = b.description or b.id
                    table.add_row(_key_name(binding_key), desc, b.id)
        out = Text()
        out.append(self.t("help.palette") + "\n", style="bold")
        out.append(self.t("help.keymap") + "\n")
        self.query_one("#info-text", Static).update(Group(out, table))


class SettingsScreen(_InfoScreen):
    """Which config file is in use, and the method's main numbers."""

    def render_info(self) -> None:
        app: Any = self.app
        s = app.settings
        self.query_one("#info-title", Static).update(f"[b]{self.t('settings.title')}[/b]")
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        files = "\n".join(s.source_files) or "(defaults)"
        table.add_row(self.t("settings.files"), files)
        table.add_row(self.t("settings.database"), app.db_label)
        try:
            scripts = app.scripts.source
        except ValueError as exc:
            scripts = str(exc)
        table.add_row(self.t("settings.scripts"), scripts)
        table.add_row(self.t("settings.language"), self.lang)
        table.add_row(
            self.t("settings.office"), f"{s.office.label} ({s.office.lat}, {s.office.lon})"
        )
        weights = ", ".join(f"{k} {v:g}" for k, v in s.scoring.weights.model_dump().items())
        table.add_row(self.t("settings.weights"), weights)
        r = s.scoring.ranks
        table.add_row(self.t("settings.ranks"), f"A ≥ {r.a:g}, B ≥ {r.b:g}, C ≥ {r.c:g}")
        p = s.phone
        table.add_row(
            self.t("settings.refusal"),
            self.t(
                "settings.refusal_text",
                days=p.recontact_after_refusal_days,
                n=p.refusals_before_pause,
                pause=p.pause_after_refusals_days,
            ),
        )
        if s.keymap:
            table.add_row("keymap", ", ".join(f"{k}={v}" for k, v in s.keymap.items()))
        self.query_one("#info-text", Static).update(table)


class AboutScreen(_InfoScreen):
    def render_info(self) -> None:
        self.query_one("#info-title", Static).update(f"[b]{self.t('about.title')}[/b]")
        out = Text()
        out.append(f"fieldsales {__version__}\n", style="bold")
        out.append(self.t("about.text") + "\n\n")
        out.append(self.t("about.credits") + "\n", style="bold")
        for line in CREDITS:
            out.append(f"  • {line}\n")
        self.query_one("#info-text", Static).update(out)


class FirstRunScreen(_InfoScreen):
    """An empty database: explain how to get accounts in, instead of an empty table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", id="quit_first_run"),
        Binding("escape", "app.quit", "Quit", id="quit_escape", show=False),
    ]

    def render_info(self) -> None:
        self.query_one("#info-title", Static).update(f"[b]{self.t('firstrun.title')}[/b]")
        self.query_one("#info-text", Static).update(Text(self.t("firstrun.body")))
