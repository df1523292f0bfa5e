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
from textual.widgets import Static

from fieldsales import __version__
from fieldsales.i18n.labels import CRITERION_LABELS, label
from fieldsales.tui.i18n import CREDITS, binding_description, node_bindings
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter


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
        yield FitFooter()

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
        self.query_one("#info-title", Static).update(f"[b]{self.t('Keys')}[/b]")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        table.add_column(self.t("key"), style="bold cyan")
        table.add_column("")
        table.add_column(self.t("binding id"), style="dim")
        seen: set[str] = set()
        for node in [self.origin, *self.origin.query("*"), self.app]:
            for b in node_bindings(node):
                if not b.id or b.id in seen:
                    continue
                seen.add(b.id)
                desc = binding_description(b.id, self.lang, b.description or b.id)
                table.add_row(_key_name(b.key), desc, b.id)
        out = Text()
        out.append(
            self.t("Ctrl+P opens the command palette with every action.") + "\n", style="bold"
        )
        out.append(self.t("Change a key in config.yaml: keymap: {<binding id>: <key>}") + "\n")
        self.query_one("#info-text", Static).update(Group(out, table))


class SettingsScreen(_InfoScreen):
    """Which config file is in use, and the method's main numbers."""

    def render_info(self) -> None:
        app: Any = self.app
        s = app.settings
        self.query_one("#info-title", Static).update(f"[b]{self.t('Settings')}[/b]")
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        files = "\n".join(s.source_files) or "(defaults)"
        table.add_row(self.t("Config files in use (later overrides earlier)"), files)
        table.add_row(self.t("Database"), app.db_label)
        try:
            scripts = app.scripts.source
        except ValueError as exc:
            scripts = str(exc)
        table.add_row(self.t("Talk scripts"), scripts)
        table.add_row(self.t("Language"), self.lang)
        table.add_row(self.t("Office"), f"{s.office.label} ({s.office.lat}, {s.office.lon})")
        weights = ", ".join(
            f"{label(CRITERION_LABELS, k, self.lang)} {v:g}"
            for k, v in s.scoring.weights.model_dump().items()
        )
        table.add_row(self.t("Score weights"), weights)
        r = s.scoring.ranks
        table.add_row(self.t("Rank thresholds"), f"A ≥ {r.a:g}, B ≥ {r.b:g}, C ≥ {r.c:g}")
        p = s.phone
        table.add_row(
            self.t("Refusals"),
            self.t(
                "call again after {days} days; after {n} refusals pause {pause} days",
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
        self.query_one("#info-title", Static).update(f"[b]{self.t('About fieldsales')}[/b]")
        out = Text()
        out.append(f"fieldsales {__version__}\n", style="bold")
        out.append(self.t("Win back dormant B2B accounts: rank, visit, call, log.") + "\n\n")
        out.append(self.t("Data credits") + "\n", style="bold")
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
        self.query_one("#info-title", Static).update(f"[b]{self.t('Welcome to fieldsales')}[/b]")
        self.query_one("#info-text", Static).update(
            Text(
                self.t(
                    "This database has no accounts yet.\n\n  fieldsales import accounts.csv   import your accounts (CSV, Excel-exported)\n  fieldsales demo                  try the app on 500 demo accounts\n  fieldsales --demo                open the demo again, once built\n\nThen run `fieldsales` again. Press q to quit."
                )
            )
        )
