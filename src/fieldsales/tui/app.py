"""The rep's workspace: one App built by `make_app`, shared by the CLI and the tests.

The App owns the ranked list (every account, scored from the current
reference point) and reloads it in a thread worker; screens filter it in
memory. Database work never runs on the event loop: workers post messages
back, and one handler turns any worker failure into a notification.
"""

from __future__ import annotations

import importlib
import weakref
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from fieldsales.domain.clock import today_in
from fieldsales.errors import UserError
from fieldsales.tui import ui_state
from fieldsales.tui.collector import Collector
from fieldsales.tui.i18n import (
    LANGUAGES,
    binding_description,
    error_text,
    node_bindings,
    tr,
    translate_bindings,
)

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

    from fieldsales.config import Place, Settings
    from fieldsales.domain.scripts import TalkScripts
    from fieldsales.services.rank import RankedAccount, RankTable
    from fieldsales.tui.early import EarlyRanking, EngineOpening

# How long the home screen's mount waits for a first ranking a child process is
# making (tui/early.py, take_early_ranking): at 100,000 accounts it is done then,
# or within ~20 ms.
EARLY_WAIT_SECONDS = 0.1


class RankingLoaded(Message):
    def __init__(self, items: RankTable) -> None:
        super().__init__()
        self.items = items


class AccountRescored(Message):
    def __init__(self, base: Any, rescored: Any) -> None:
        super().__init__()
        self.base, self.rescored = base, rescored


class RomajiReady(Message):
    def __init__(self, base: Any, keys: list[str]) -> None:
        super().__init__()
        self.base, self.keys = base, keys


class WarmedUp(Message):
    """The warm-up after the first paint has built what a search and a plan read."""


class SortOrdersBuilt(Message):
    """Every account ordered by each column of the list (services/rank_sort.py)."""

    def __init__(self, base: Any, built: tuple[int, dict[str, Any], list[str]]) -> None:
        super().__init__()
        self.base, self.built = base, built


class OriginResolved(Message):
    def __init__(self, label: str, lat: float, lon: float) -> None:
        super().__init__()
        self.label, self.lat, self.lon = label, lat, lon


def describe_error(error: BaseException | None, lang: str) -> str:
    if error is not None and getattr(error, "key", None):
        return error_text(error, lang)
    text = str(error) if error is not None else tr("unknown error", lang)
    if "locked" in text.lower():
        return tr("The database is busy (locked by another program); try again in a moment.", lang)
    return text.splitlines()[0] if text else type(error).__name__


class FieldSalesApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "fieldsales"
    # app.tcss lays screens out by the terminal's size: -narrow (80 columns),
    # -medium (120) and -wide (200); -short (24 lines) and -tall (40 and more)
    # (Textual declares these without ClassVar, so mypy refuses one here)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (160, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("f2", "toggle_language", "日本語", id="language"),
        Binding("f3", "settings", "Settings", id="settings", show=False),
        Binding("f4", "about", "About", id="about", show=False),
        Binding("p", "plan", "Plan", id="plan"),
        Binding("ctrl+q", "quit", "Quit", id="quit", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        engine: Engine | EngineOpening,
        *,
        today: date | None = None,
        db_label: str = "",
        scripts: TalkScripts | None = None,
        ask_rep: Path | None = None,
        early: EarlyRanking | None = None,
    ) -> None:
        super().__init__()
        self._early = early  # the ranking run_app started before the app (tui/early.py)
        # the user's config file to keep the rep's name and office in, when the app
        # asks for them at start (run_app: when `rep` is empty)
        self.ask_rep = ask_rep
        from fieldsales.services.published import in_effect
        from fieldsales.tui.early import EngineOpening

        # the team's published talk scripts and campaign targets win over the files
        # the engine, or (tui/launch.py) its opening in a thread: `engine` waits for it
        self._engine_given = engine
        self._engine: Any = engine
        # (an opening is of a file already open with sqlite3: it reads the same)
        self.settings = settings = in_effect(
            settings, engine.source if isinstance(engine, EngineOpening) else engine
        )
        self.today = today or today_in(settings.zone())  # the rep's day, config `timezone`
        if not db_label:  # the title never shows a password (user part or ?password=)
            from fieldsales.store.db import describe

            db_label = describe(self.engine.url.render_as_string(hide_password=False))
        self.db_label = db_label
        self.language: str = ui_state.saved_language(settings.language)
        office = settings.office
        self.origin: tuple[str, float, float] = (office.label, office.lat, office.lon)
        self.ranked: RankTable | list[RankedAccount] = []
        self.loaded = False
        self._solver: Any = None  # the warm solver process, shared by every Plan screen
        # A failed worker's StateChanged reaches its screen's handler and the
        # app's (it bubbles): report each failure once.
        self._reported: weakref.WeakSet[Worker[Any]] = weakref.WeakSet()
        self._scripts = scripts
        self._romaji: Any = None  # the romaji keys' builder (services.rank_search)
        # full garbage collections between keys; what survives one on the list is frozen
        self.collector = Collector(settled=self._only_the_list)

    @property
    def engine(self) -> Engine:
        """The database's engine (writes; the reads the first ranking does not do).
        Opened in a thread while the app starts (tui/launch.py): asked for first in a
        worker, which waits for it."""
        from fieldsales.tui.early import EngineOpening

        opening = self._engine
        if isinstance(opening, EngineOpening):
            self._engine = opening = opening.result()
        engine: Engine = opening
        return engine

    # -- start-up -----------------------------------------------------------
    def solver(self) -> Any:
        """The warm solver process (planning.worker), one for the app's life."""
        if self._solver is None:
            from fieldsales.planning.worker import WarmSolver

            self._solver = WarmSolver()
        return self._solver

    def on_unmount(self) -> None:
        import gc

        gc.unfreeze()  # keep_objects: what the app kept is the collector's again
        gc.enable()
        self.collector.stop()
        if self._solver is not None:
            self._solver.close()
        if self._romaji is not None:
            self._romaji.close()

    def _only_the_list(self) -> bool:
        """Only the list is open: what is alive now stays (tui/collector.py)."""
        from textual.app import ScreenStackError

        from fieldsales.tui.screens.home import HomeScreen

        try:
            return isinstance(self.screen, HomeScreen)
        except ScreenStackError:  # no screen yet, or none any more
            return False

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(self.collector.idle_seconds / 3, self.collector.tick)
        self.set_keymap(dict(self.settings.keymap))
        translate_bindings(self, self.language)
        from fieldsales.tui.screens.home import HomeScreen

        ready = self._early_ranking_ready()
        if ready is not None:  # the list is in the screen's first frame, no "Loading"
            self._take_ranking(ready)
            self.push_screen(HomeScreen())  # shows fs.ranked when mounted
        elif self._early is not None and self._early.apart:
            # a child process ranks on the other core, usually done while the home
            # screen composes: the screen takes it at its mount (take_early_ranking)
            self.push_screen(HomeScreen())
        else:
            self.push_screen(HomeScreen())
            self.load_ranking()
        if self.ask_rep is not None:
            # after the list's first frame: the list is what the rep sees at once
            self.call_after_refresh(self._ask_rep)

    def _ask_rep(self) -> None:
        """The first-run dialog (who is the rep, where the day starts), over the list."""
        from fieldsales.tui.screens.first_run import RepDialog

        if self.ask_rep is not None:
            self.push_screen(RepDialog(self.ask_rep), self._rep_given)

    def _rep_given(self, answer: tuple[str, Place] | None) -> None:
        """The first-run dialog saved the rep and the office: use them from now on."""
        if answer is None:
            self._empty_database_after_dialog()
            return
        rep, office = answer
        self.settings = self.settings.model_copy(update={"rep": rep, "office": office})
        self.ask_rep = None
        if self.origin[1:] != (office.lat, office.lon):
            self.origin = (office.label, office.lat, office.lon)
            self.load_ranking()
        else:
            self._empty_database_after_dialog()
        self.notify(self.t("Saved: {rep}, starting from {office}.", rep=rep, office=office.label))

    @property
    def scripts(self) -> TalkScripts:
        if self._scripts is None:
            from fieldsales.services.published import scripts_for

            self._scripts = scripts_for(self.settings)
        return self._scripts

    def t(self, key: str, **values: Any) -> str:
        return tr(key, self.language, **values)

    # -- ranking ------------------------------------------------------------
    def take_early_ranking(self) -> None:
        """The home screen, mounted before its first frame, takes the ranking a
        child process was still making at the app's mount. It waits for it a
        moment (EARLY_WAIT_SECONDS; it usually ends while the screen composes):
        the list is then in the first frame, instead of "Loading" and the list
        ~70 ms later. A ranking not done by then comes through the worker."""
        early = self._early
        if self.loaded or early is None or not early.apart:
            return  # taken at the app's mount, or a worker takes it (load_ranking)
        early.wait(EARLY_WAIT_SECONDS)
        ready = self._early_ranking_ready()
        if ready is not None:
            self._take_ranking(ready)
        else:
            self.load_ranking()

    def _take_ranking(self, ready: RankTable) -> None:
        self.ranked, self.loaded = ready, True
        self._ranking_shown(ready, replaced=False, screens=False)

    def _early_ranking_ready(self) -> RankTable | None:
        """The ranking run_app started (tui/early.py), when it is done, has accounts
        and is the one asked for now; else None (the worker takes it or ranks)."""
        early = self._early
        if early is None or not early.done():
            return None
        _, lat, lon = self.origin
        if not early.matches(self._engine_given, self.settings, (lat, lon), self.today):
            return None
        items = early.result()
        if not items:
            return None  # an empty database: the worker's path (the first-run screen)
        self._early = None
        return items

    @work(thread=True, exclusive=True, exit_on_error=False, group="rank", name="ranking")
    def load_ranking(self) -> None:
        from fieldsales.services.rank import RankFilter, rank_accounts

        _, lat, lon = self.origin
        early, self._early = self._early, None
        if early is not None and early.matches(
            self._engine_given, self.settings, (lat, lon), self.today
        ):
            self.post_message(RankingLoaded(early.result()))
            return
        items = rank_accounts(
            self.engine,
            self.settings,
            origin=(lat, lon),
            filters=RankFilter(show_all=True),
            today=self.today,
        )
        self.post_message(RankingLoaded(items))

    def on_ranking_loaded(self, message: RankingLoaded) -> None:
        replaced = bool(self.ranked)
        self.ranked = message.items
        self.loaded = True
        if not self.ranked:
            import gc

            self.call_after_refresh(self.open_engine)
            gc.enable()  # off during the start (tui/launch.py)
            self._empty_database_after_dialog()
            return
        self._ranking_shown(message.items, replaced)

    def _ranking_shown(
        self, items: RankTable | list[RankedAccount], replaced: bool, screens: bool = True
    ) -> None:
        """A ranking with accounts is the app's now: the screens show it (`screens`:
        those open; none is yet at the start), and what waits for the first paint
        (the engine, the warm-up) starts after it."""
        self.call_after_refresh(self.open_engine)
        base = getattr(items, "base", None)
        if base is not None:
            from fieldsales.services.rank_search import defer_romaji

            defer_romaji(base)  # a latin search must not build them on a key press
        if screens:
            self._broadcast("ranking_changed")
        # the warm-up starts once the list is on the screen: its imports would hold
        # the interpreter while the first frame is drawn
        self.call_after_refresh(self.warm_planning, items)
        self.call_after_refresh(self.keep_objects, replaced)

    def open_engine(self) -> None:
        """Once the first ranking is on the screen: open SQLAlchemy's engine in a
        thread (tui/early.py), so that it is ready for the first save."""
        from fieldsales.tui.early import EngineOpening

        if isinstance(self._engine, EngineOpening):
            self._engine.start()

    def keep_objects(self, collect: bool = False) -> None:
        """Take what is alive now (the ranking's columns, keys and indexes: millions
        of objects at 100,000 accounts) out of the garbage collector's scans.

        A full collection walks every live container: with a ranking of 100,000
        accounts in memory it took 100-250 ms, several times a minute while keys
        were typed, each one a frozen frame. Frozen objects are never scanned (nor
        collected: a ranking replaced by a new one is collected first, `collect`).
        """
        import gc

        if collect:
            gc.unfreeze()
            gc.collect()
        gc.freeze()
        gc.enable()  # off during the start (tui/launch.py)

    def _empty_database_after_dialog(self) -> None:
        """An empty database shows how to get accounts in, once the first-run
        dialog (if any) has been answered."""
        from fieldsales.tui.screens.first_run import RepDialog
        from fieldsales.tui.screens.info import FirstRunScreen

        if not self.loaded or self.ranked or isinstance(self.screen, RepDialog):
            return
        if not isinstance(self.screen, FirstRunScreen):
            self.push_screen(FirstRunScreen())

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm", name="warm planning")
    def warm_planning(self, items: Any) -> None:
        """After the list is painted: the folded search keys, what a plan needs beyond
        the ranking (economics, opening hours, learned rates) and the solver process,
        so that the first key typed into the search box (~0.3 s at 100,000 accounts)
        and `p` cost only their own work."""
        from textual.worker import get_current_worker

        from fieldsales.planning.candidates import planning_columns
        from fieldsales.services.rank import RankFilter, filter_ranked
        from fieldsales.services.rates import learned_for

        worker = get_current_worker()

        def sort_orders(base: Any) -> Any:
            from fieldsales.services.rank_sort import build_orders
            from fieldsales.tui.widgets.account_table import COLUMNS

            return build_orders(base, [c.key for c in COLUMNS])

        self.solver().start()  # returns at once; the process imports the engines meanwhile
        base = getattr(items, "base", None)
        # what the first save would pay (`l`, a digit, Ctrl+S: often the first thing
        # a rep does): the dialog's modules, the ORM set up, a re-score's queries
        if base is not None and len(base.ids):
            self.warm_saving(base)
        if worker.is_cancelled:
            return
        # the search keys, phone numbers included, as the arrays a search scans
        filter_ranked(items, RankFilter(show_all=True, search="0000"), self.today)
        # each step may take seconds on a busy machine: a quit does not wait for the rest
        steps: list[Callable[[], object]] = []
        if base is not None:
            steps.append(lambda: planning_columns(base))
        steps.append(lambda: learned_for(base, self.settings) if base is not None else None)
        if base is not None:  # every account in each column's order: a sort key is a mask
            steps.append(lambda: self.post_message(SortOrdersBuilt(base, sort_orders(base))))
        for step in steps:
            if worker.is_cancelled:
                return
            step()
        self.post_message(WarmedUp())  # keep_objects: the search keys and columns just built
        if base is not None and not worker.is_cancelled:
            self.build_romaji(base)

    def warm_saving(self, base: Any) -> None:
        """Save nothing, but read what a save reads: at 100,000 accounts the first
        save of a session took ~0.3 s of CPU more than the next ones (0.7-0.9 s on a
        busy machine): the log dialog's modules imported, SQLAlchemy's ORM set up
        and its queries compiled on first use. Done here, after the first paint,
        with the account at the top of the list: its card (what the dialog shows)
        and a re-score of it (what a save runs), both only read."""
        from fieldsales.services.account_card import account_card
        from fieldsales.services.rank_update import rescore

        importlib.import_module("fieldsales.tui.screens.log_outcome")
        importlib.import_module("fieldsales.services.outcomes")  # what the save runs
        top = str(base.ids[int(base.order[0])]) if len(base.order) else str(base.ids[0])
        account_card(self.engine, top)
        _, lat, lon = self.origin
        rescore(base, self.engine, self.settings, top, (lat, lon))

    def build_romaji(self, base: Any) -> None:
        """The romaji keys of every account (minutes of pykakasi at 100,000), in a
        process of their own; a latin search finds by them once they are ready."""
        from fieldsales.services.rank_search import RomajiBuilder, romaji_ready, romaji_texts

        if romaji_ready(base):
            return
        if self._romaji is None:
            self._romaji = RomajiBuilder()
        keys = self._romaji.build(romaji_texts(base))
        if keys is not None:
            self.post_message(RomajiReady(base, keys))

    def on_warmed_up(self, message: WarmedUp) -> None:
        self.keep_objects()

    def on_sort_orders_built(self, message: SortOrdersBuilt) -> None:
        from fieldsales.services.rank_sort import keep_orders

        current = getattr(self.ranked, "base", None)
        if current is None or current is not message.base:
            return  # a new ranking meanwhile
        version, orders, created = message.built
        keep_orders(current, version, orders, created)

    def on_romaji_ready(self, message: RomajiReady) -> None:
        from fieldsales.services.rank_search import set_romaji

        if getattr(self.ranked, "base", None) is message.base:
            set_romaji(message.base, message.keys)
            self._broadcast("search_keys_ready")
            self.keep_objects()

    def account_changed(self, account_id: str, rescored: AccountRescored | None = None) -> None:
        """After an outcome, an edit or a position was saved: re-score that account
        alone and move it to its place in the ranking, then refresh every view.
        Ranking every account again takes about a second at 100,000.

        `rescored` is the account already re-scored by the worker that saved it
        (`rescore_saved`): it is put in place at once, so the frame that closes the
        dialog shows the list with the account where it now belongs. Without it the
        account is re-scored in a worker.
        """
        base = getattr(self.ranked, "base", None)
        running = any(w.group == "rank" and w.is_running for w in self.workers)
        if base is None or running:
            # nothing loaded yet, or a ranking under way that may predate the save
            self.load_ranking()
        elif rescored is not None and rescored.base is base:
            self.on_account_rescored(rescored)
        else:
            self.rescore_account(base, account_id)
        self._broadcast("account_changed", account_id)

    def rescore_saved(self, account_id: str) -> AccountRescored | None:
        """In the worker that has just committed a change of `account_id`: the account
        re-scored against the ranking shown (None when none is loaded yet). A failure
        here must not lose the save's own message: the caller then leaves the
        re-score to `account_changed`."""
        from fieldsales.services.rank_update import rescore

        base = getattr(self.ranked, "base", None)
        if base is None:
            return None
        _, lat, lon = self.origin
        try:
            done = rescore(base, self.engine, self.settings, account_id, (lat, lon))
        except Exception:  # the save is committed; the worker path re-scores and reports
            return None
        return AccountRescored(base, done)

    @work(thread=True, exit_on_error=False, group="rescore", name="ranking")
    def rescore_account(self, base: Any, account_id: str) -> None:
        from fieldsales.services.rank_update import rescore

        _, lat, lon = self.origin
        done = rescore(base, self.engine, self.settings, account_id, (lat, lon))
        self.post_message(AccountRescored(base, done))

    def on_account_rescored(self, message: AccountRescored) -> None:
        from fieldsales.services.rank import RankFilter
        from fieldsales.services.rank_table import RankTable
        from fieldsales.services.rank_update import splice

        base = getattr(self.ranked, "base", None)
        if base is not message.base:
            return  # a whole new ranking arrived meanwhile: it has the change
        position = splice(base, message.rescored)
        if position is None:
            self.load_ranking()  # an account added or deleted since the ranking
            return
        self.ranked = RankTable(base, base.order).filter(RankFilter(show_all=True), self.today)
        self._broadcast("ranking_changed", changed=position)

    def item(self, account_id: str) -> RankedAccount | None:
        from fieldsales.tui.widgets.account_table import find_position

        if not self.ranked:
            return None
        pos = find_position(self.ranked, account_id)
        return self.ranked[pos] if pos is not None else None

    # -- reference point ----------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="origin", name="origin")
    def change_origin(self, spec: str) -> None:
        from fieldsales.services.rank import resolve_origin

        label, lat, lon = resolve_origin(spec, self.engine, self.settings)
        self.post_message(OriginResolved(label, lat, lon))

    def on_origin_resolved(self, message: OriginResolved) -> None:
        self.set_origin(message.label, message.lat, message.lon)

    def set_origin(self, label: str, lat: float, lon: float) -> None:
        """Measure distances from this point: the list is ranked anew from it."""
        self.origin = (label, lat, lon)
        self.notify(self.t("Distances now measured from {label}.", label=label))
        self._broadcast("origin_changed")
        self.load_ranking()

    # -- keys typed ahead ------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.collector.input_seen()  # no full garbage collection while typing
        await super().on_event(event)

    async def on_key(self, event: events.Key) -> None:
        """A key that no widget took, back at the app. Textual checked the priority
        bindings (a dialog's Ctrl+S) when the key came in; a key typed right after
        one that opens a dialog came in before the dialog was there, so it went to
        the screen below. It is checked against the dialog's priority bindings now,
        or it would be lost (`l 2 Ctrl+S` typed in one go). App._on_key then
        checks the other bindings, as always."""
        if await self._check_bindings(event.key, priority=True):
            event.prevent_default()

    # -- one error path for every worker --------------------------------------
    @on(Worker.StateChanged)
    def report_worker(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.state != WorkerState.ERROR or worker in self._reported:
            return
        if worker.group == "rank":
            import gc

            gc.enable()  # off during the start (tui/launch.py), until a ranking is shown
        self._reported.add(worker)
        what = worker.name or "work"
        self.notify(
            tr(
                "{what} failed: {error}",
                self.language,
                what=what,
                error=describe_error(worker.error, self.language),
            ),
            title=worker.error.title if isinstance(worker.error, UserError) else "",
            severity="error",
            timeout=8,
        )

    # -- browser downloads (tui/delivery.py) -----------------------------------
    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        self.notify(self.t("Downloaded {name}", name=event.name or ""))

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        self.notify(
            self.t(
                "Download failed: {error}", error=describe_error(event.exception, self.language)
            ),
            severity="error",
            timeout=8,
        )

    # -- language, help, palette ----------------------------------------------
    def _broadcast(self, method: str, *args: Any, **kwargs: Any) -> None:
        for screen in self.screen_stack:
            handler = getattr(screen, method, None)
            if callable(handler):
                handler(*args, **kwargs)

    def action_toggle_language(self) -> None:
        i = LANGUAGES.index(self.language) if self.language in LANGUAGES else 0
        self.language = LANGUAGES[(i + 1) % len(LANGUAGES)]
        translate_bindings(self, self.language)
        for screen in self.screen_stack:
            translate_bindings(screen, self.language)
            for widget in screen.query("*"):
                translate_bindings(widget, self.language)
        self._broadcast("apply_language")
        self.screen.refresh_bindings()
        ui_state.save_language(self.language, self.settings.language)
        self.notify(self.t("Language: English"), timeout=2)

    def action_help(self) -> None:
        from fieldsales.tui.screens.info import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_settings(self) -> None:
        from fieldsales.tui.screens.info import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_plan(self) -> None:
        from fieldsales.tui.screens.plan import PlanScreen

        if not isinstance(self.screen, PlanScreen):  # `p` on the Plan screen stays there
            self.push_screen(PlanScreen())

    def action_about(self) -> None:
        from fieldsales.tui.screens.info import AboutScreen

        self.push_screen(AboutScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every binding of the current screen and the app, in the current language."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for node in [screen, *screen.query("*"), self]:
            for b in node_bindings(node):
                if not b.id or b.id in seen or b.id.startswith(("cursor", "page", "first", "last")):
                    continue
                seen.add(b.id)
                title = binding_description(b.id, self.language, b.id)
                yield SystemCommand(title, f"{b.id} ({b.key})", self._runner(node, b.action))

    def _runner(self, node: Any, action: str) -> Any:
        async def run() -> None:
            await self.run_action(action, node)

        return run


def make_app(
    settings: Settings,
    engine: Engine | EngineOpening,
    *,
    today: date | None = None,
    db_label: str = "",
    scripts: TalkScripts | None = None,
    ask_rep: Path | None = None,
    early: EarlyRanking | None = None,
) -> FieldSalesApp:
    """The one factory used by `fieldsales`, `fieldsales demo`, the tests and the benchmark."""
    return FieldSalesApp(
        settings,
        engine,
        today=today,
        db_label=db_label,
        scripts=scripts,
        ask_rep=ask_rep,
        early=early,
    )


def first_run_target(settings: Settings, explicit: str | None) -> Path | None:
    """Where to keep the rep's name and office when the app must ask for them: the
    user's config file, or None when `rep` is already set."""
    if settings.rep:
        return None
    from fieldsales.services.first_run import user_config_target

    return user_config_target(explicit)
