"""The Plan screen: a day's route, its map, totals and ROI; edit, re-optimise, hand off.

Opening it reopens the day's saved plan (planning.reopen) with its
locks and done/skipped marks; a new plan is solved only when there is none
or when asked for (`R`). Solving runs in the warm solver process
(planning.worker); solving, adding, saving and marking all run in
Textual thread workers, so a key press is answered meanwhile and `escape`
cancels a running plan or addition. Every plan shown has passed the plan
checker.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState, get_current_worker

from fieldsales.i18n import N_
from fieldsales.i18n.labels import (
    PLAN_COLUMNS,
    PLAN_FIT,
    PLAN_STATUS_MARKS,
    PLAN_STATUS_WORDS,
)
from fieldsales.planning import edit, planner, saved, text, workdays
from fieldsales.planning.day_model import PlanError, hhmm
from fieldsales.planning.engines import SolveFn
from fieldsales.planning.planned_day import PlannedDay
from fieldsales.services.rank_table import RankTable
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.fit_footer import FitFooter
from fieldsales.tui.widgets.route_map import RouteMap

# the status (lock, done, skipped) right after the number: it must show on a narrow terminal
# the rank is the first word of "why" ("A ◎"), so it needs no column of its own
SAVING = N_("Saving…")  # the busy line while a plan is saved
COLUMNS = ("seq", "status", "time", "company", "score", "km", "min", "window", "value", "why")
# left out, in this order, while the company names would get fewer than MIN_NAME_CELLS
DROP_FIRST = ("min", "window", "km", "time")
CALL_COLUMNS = ("seq", "time", "company", "phone", "value", "why")
CALL_CELLS = (0, 1, 2, 4, 5, 6)  # call_cells() minus the rank
WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "ja": "月火水木金土日"}
MAX_NAMES = 3  # companies named in the one-line note of stops left out
MIN_NAME_CELLS = 14  # columns are left out before a company name gets fewer cells (7 kanji)
MAP_MIN_WIDTH = 100  # narrower terminals hide the map until `m` shows it
SAVE_GROUP = "plan-save"  # saving and marking: one database write at a time


class PlanReady(Message):
    """A plan to show: solved, re-optimised, edited in a worker or reopened."""

    def __init__(
        self,
        gen: int,
        planned: PlannedDay,
        *,
        status: dict[str, str] | None = None,
        note: str = "",
        edited: bool = True,
    ) -> None:
        super().__init__()
        self.gen, self.planned, self.status, self.note = gen, planned, status, note
        self.edited = edited


class PlanBusy(Message):
    """The worker moved on to slower work; the busy line says which."""

    def __init__(self, gen: int, key: str) -> None:
        super().__init__()
        self.gen, self.key = gen, key


class PlanFailed(Message):
    def __init__(self, gen: int, text: str, *, warn: bool = True) -> None:
        super().__init__()
        self.gen, self.text, self.warn = gen, text, warn


class PlanSaved(Message):
    """The plan was written (and its marks with it); `then` is what to do next."""

    def __init__(self, planned: PlannedDay, status: dict[str, str], then: tuple[Any, ...]) -> None:
        super().__init__()
        self.planned, self.status, self.then = planned, status, then


class PlanScreen(BaseScreen):
    DEFAULT_CSS = """
    PlanScreen #plan-body { height: 1fr; }
    PlanScreen #plan-left { width: 2fr; }
    PlanScreen #plan-map { width: 1fr; min-width: 24; max-width: 30; }
    PlanScreen.-wide #plan-map { max-width: 64; }
    PlanScreen #plan-day { height: auto; padding: 0 1; text-style: bold; }
    PlanScreen #plan-stops { height: 1fr; }
    PlanScreen #plan-totals { height: auto; padding: 0 1; }
    PlanScreen #plan-calls { height: 1fr; max-height: 12; }
    PlanScreen #plan-script { height: auto; max-height: 8; padding: 0 1; display: none; }
    PlanScreen #plan-qr { height: auto; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reoptimise", "Re-optimise", id="plan_reoptimise"),
        Binding("R", "new_plan", "New plan", id="plan_new", show=False),
        Binding("c", "choose_day", "Day…", id="plan_day"),
        Binding("right_square_bracket", "step_day(1)", "Next day", id="plan_next_day", show=False),
        Binding(
            "left_square_bracket", "step_day(-1)", "Previous day", id="plan_prev_day", show=False
        ),
        Binding("x", "drop", "Drop", id="plan_drop"),
        Binding("k", "lock", "Lock", id="plan_lock"),
        Binding("a", "add", "Add best", id="plan_add"),
        Binding("minus", "move(-1)", "Earlier", id="plan_up", show=False),
        Binding("plus", "move(1)", "Later", id="plan_down", show=False),
        Binding("d", "mark('done')", "Done", id="plan_done"),
        Binding("s", "mark('skipped')", "Skip", id="plan_skip"),
        Binding("l", "log", "Log outcome", id="plan_log"),
        Binding("w", "save", "Save", id="plan_save"),
        Binding("g", "qr", "QR", id="plan_qr"),
        Binding("m", "toggle_map", "Map", id="plan_map", show=False),
        Binding("n", "qr_leg(1)", "Next leg", id="plan_qr_next", show=False),
        Binding("N", "qr_leg(-1)", "Previous leg", id="plan_qr_prev", show=False),
        Binding("escape", "cancel_or_back", "Back", id="plan_back"),
    ]

    def __init__(
        self, *, start: str | None = None, solve: SolveFn | None = None, day: date | None = None
    ) -> None:
        super().__init__()
        self.start_spec = start
        self._solve = solve
        self._solver: Any = None
        self.day = day  # None: the next working day from the app's today
        self.planned: PlannedDay | None = None
        self.status: dict[str, str] = {}  # account id -> done | skipped
        self.dropped: set[str] = set()
        self.busy: str | None = None  # the busy text while a worker runs
        self._gen = 0  # answers of a cancelled or superseded worker are ignored
        self.qr_leg = 0  # which Google Maps leg the QR shows (mobile links hold 3 stops)
        self.map_shown: bool | None = None  # None: by the terminal's width
        self.shown_columns: tuple[str, ...] = COLUMNS  # the stop table's, by the pane's width

    def compose(self) -> ComposeResult:
        with Horizontal(id="plan-body"):
            with Vertical(id="plan-left"):
                yield Static("", id="plan-day")
                yield DataTable(id="plan-stops", cursor_type="row", zebra_stripes=True)
                yield Static("", id="plan-totals")
                yield DataTable(id="plan-calls", cursor_type="row", zebra_stripes=True)
                yield Static("", id="plan-script")
                yield Static("", id="plan-qr")
            yield RouteMap(id="plan-map")
        yield FitFooter()

    def on_mount(self) -> None:
        super().on_mount()
        if self.day is None:
            self.day = workdays.next_working_day(self.fs.today, self.fs.settings)
        self._columns()
        if self._solve is None:
            # the app's warm solver process (started once the list is shown)
            self._solver = self.fs.solver()
            self._solver.start()
            self._solve = self._solver.solve
        self._start("open")

    def _columns(self, shown: tuple[str, ...] = COLUMNS) -> None:
        table = self.query_one("#plan-stops", DataTable)
        table.clear(columns=True)
        for key in shown:
            table.add_column(self.label(PLAN_COLUMNS, key), key=key)
        self.shown_columns = shown
        calls = self.query_one("#plan-calls", DataTable)
        calls.clear(columns=True)
        for key in CALL_COLUMNS:
            calls.add_column(self.label(PLAN_COLUMNS, key), key=key)

    def apply_language(self) -> None:
        self.translate()
        self._columns()
        self._show_day()
        if self.planned is not None and self.busy is None:
            self.show(self.planned)
        elif self.busy is not None:
            self._set_busy(self.busy)

    # ---- workers -------------------------------------------------------------
    def _busy_key(self, mode: str) -> str:
        return {"open": N_("Opening the saved plan…"), "add": N_("Adding… (Esc cancels)")}.get(
            mode, N_("Planning… (Esc cancels)")
        )

    def _set_busy(self, key: str | None) -> None:
        self.busy = key
        if key is not None:
            self.query_one("#plan-totals", Static).update(self.t(key))

    def _start(self, mode: str) -> None:
        """mode: open (the saved plan, else a new one), new, reopt, add."""
        self._gen += 1
        self._set_busy(self._busy_key(mode))
        self._show_day()
        self.run_plan(self._gen, mode, self.day, self.planned, frozenset(self.dropped))

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan", name="plan")
    def run_plan(
        self,
        gen: int,
        mode: str,
        day: date,
        current: PlannedDay | None,
        dropped: frozenset[str],
    ) -> None:
        app = self.fs
        worker = get_current_worker()
        try:
            if mode == "open":
                from fieldsales.planning.reopen import reopen_day

                found = reopen_day(app.engine, app.settings, day=day, ranked=self._ranked())
                if found is not None:
                    note = ""
                    if found.left_out:
                        shown = found.left_out[:MAX_NAMES]
                        names = ", ".join(shown) + ("…" if len(found.left_out) > len(shown) else "")
                        note = self.nt(
                            "{n} saved stop no longer fits the day, left out: {names}",
                            "{n} saved stops no longer fit the day, left out: {names}",
                            len(found.left_out),
                            names=names,
                        )
                    self.post_message(
                        PlanReady(gen, found.planned, status=found.status, note=note, edited=False)
                    )
                    return
                self.post_message(
                    PlanBusy(gen, N_("Planning… (Esc cancels)"))
                )  # nothing saved: a new plan
            if mode == "add" and current is not None:
                out = self._add_best(current, dropped, worker)
                if out is None:
                    if not worker.is_cancelled:
                        self.post_message(
                            PlanFailed(gen, self.t("Nothing else fits the day"), warn=False)
                        )
                    return
            elif mode == "reopt" and current is not None:
                out = edit.reoptimise(current, app.settings, dropped=dropped, solve=self._solve)
            else:
                start = self.start_spec
                if start is None and app.origin[0] != app.settings.office.label:
                    start = f"{app.origin[1]},{app.origin[2]}"
                # the app's ranking is reused: only the day's model and the solve remain
                out = planner.plan_day(
                    app.engine,
                    app.settings,
                    day=day,
                    start=start,
                    skip=dropped,
                    solve=self._solve,
                    ranked=self._ranked(),
                )
        except Exception as exc:  # shown as one line; cancelling lands here too
            self.post_message(PlanFailed(gen, str(exc) or type(exc).__name__))
            return
        if not worker.is_cancelled:
            self.post_message(PlanReady(gen, out, edited=mode != "open"))

    def _ranked(self) -> RankTable | None:
        """The app's ranking, reused for planning (None until it is loaded)."""
        return self.fs.ranked if isinstance(self.fs.ranked, RankTable) else None

    def _add_best(
        self, pd: PlannedDay, dropped: frozenset[str], worker: Worker[Any]
    ) -> PlannedDay | None:
        """The most valuable candidate not planned yet that still fits, inserted."""
        try:
            out = edit.add_best(pd, self.fs.settings, exclude=dropped)
        except PlanError:
            return None
        return None if worker.is_cancelled else out

    @on(PlanReady)
    def _ready(self, msg: PlanReady) -> None:
        if msg.gen != self._gen:
            return
        self._set_busy(None)
        if msg.status is not None:
            self.status = dict(msg.status)
            self.dropped = set()
        if msg.edited:
            msg.planned.route_id = None  # changed since it was saved
        self.show(msg.planned)
        if msg.note:
            self.notify(msg.note, severity="warning", timeout=8)
        elif msg.status is not None:
            self.notify(
                self.t("Saved plan of {date} reopened", date=msg.planned.plan.day.isoformat()),
                timeout=3,
            )

    @on(PlanBusy)
    def _busy_now(self, msg: PlanBusy) -> None:
        if msg.gen == self._gen and self.busy is not None:
            self._set_busy(msg.key)

    @on(PlanFailed)
    def _failed(self, msg: PlanFailed) -> None:
        if msg.gen != self._gen:
            return
        self._set_busy(None)
        if self.planned is not None and not msg.warn:
            self.show(self.planned)
            self.notify(msg.text, severity="information")
            return
        if self.planned is not None:
            self.show(self.planned)
        else:
            self.query_one("#plan-totals", Static).update(
                self.t("No plan: {error}", error=msg.text)
            )
        self.notify(msg.text, severity="warning")

    # ---- saving and marking, in a worker ---------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group=SAVE_GROUP, name="save")
    def run_save(
        self,
        pd: PlannedDay,
        status: dict[str, str],
        then: tuple[Any, ...],
    ) -> None:
        """Save the plan if it changed since (with its marks), then mark or prepare a log."""
        engine = self.fs.engine
        if pd.route_id is None:
            route_id = saved.save_plan(engine, self.fs.settings, pd)
            on_route = {s.account_id for s in pd.plan.stops}
            for acc, st in status.items():
                if acc in on_route:
                    saved.mark_stop(engine, route_id, acc, st)
        assert pd.route_id is not None
        status = dict(status)
        if then[0] == "mark":
            _, acc, st = then
            saved.mark_stop(engine, pd.route_id, acc, st)
            if st == "planned":
                status.pop(acc, None)
            else:
                status[acc] = st
        elif then[0] == "log":
            stop_id = saved.route_stop_ids(engine, pd.route_id).get(then[1])
            then = ("log", then[1], stop_id)
        self.post_message(PlanSaved(pd, status, then))

    def _save(self, then: tuple[Any, ...]) -> None:
        if self.planned is None or self.busy is not None:
            return
        self._set_busy(SAVING)
        self.run_save(self.planned, dict(self.status), then)

    @on(PlanSaved)
    def _saved(self, msg: PlanSaved) -> None:
        self._set_busy(None)
        if msg.planned is not self.planned:
            return
        self.status = msg.status
        self.show(self.planned)
        kind = msg.then[0]
        if kind == "save":
            self.notify(self.t("Plan saved"), timeout=3)
        elif kind == "mark":
            _, acc, st = msg.then
            company = self.planned.accounts[acc].company
            word = self.label(PLAN_STATUS_WORDS, st)
            self.notify(self.t("{company}: {status}", company=company, status=word), timeout=3)
        elif kind == "log":
            from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

            self.app.push_screen(LogOutcomeScreen(msg.then[1], route_stop_id=msg.then[2]))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # one error path (the app's notification); here only the busy state ends
        super().on_worker_state_changed(event)
        if event.worker.group == SAVE_GROUP and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._set_busy(None)
            if self.planned is not None:
                self.show(self.planned)

    # ---- showing -------------------------------------------------------------
    def _show_day(self) -> None:
        if self.day is None:
            return
        today = self.fs.today
        when = ""
        if self.day == today:
            when = self.t(" · today")
        elif self.day == today + timedelta(days=1):
            when = self.t(" · tomorrow")
        names = WEEKDAYS.get(self.lang, WEEKDAYS["en"])
        self.query_one("#plan-day", Static).update(
            self.t(
                "Plan for {date} ({weekday}){when}",
                date=self.day.isoformat(),
                weekday=names[self.day.weekday()],
                when=when,
            )
        )

    def show(self, pd: PlannedDay) -> None:
        from fieldsales.handoff.links import route_points

        self.planned = pd
        self.day = pd.plan.day
        self._show_day()
        table = self.query_one("#plan-stops", DataTable)
        row = table.cursor_row
        table.clear()
        calls = self.query_one("#plan-calls", DataTable)
        calls.clear()
        call_rows = []
        for cells in text.call_cells(pd):
            cells[6] = self._why(cells[6])
            call_rows.append([cells[i] for i in CALL_CELLS])
        for call, row_cells in zip(pd.calls, self._fit_names(call_rows, CALL_COLUMNS), strict=True):
            calls.add_row(*row_cells, key=call.account_id)
        calls.display = bool(pd.calls)
        p = pd.plan
        rows = []
        for s, cells in zip(p.stops, text.stop_cells(pd, short=True), strict=True):
            cells[6] = self.label(PLAN_FIT, cells[6])
            cells[8] = self._why(cells[8])
            marks = ["🔒"] if s.account_id in pd.locked else []
            if st := self.status.get(s.account_id):
                marks.append(self.label(PLAN_STATUS_MARKS, st))
            seq, time, company, _rank, km, minutes, window, value, why = cells
            score = f"{pd.accounts[s.account_id].total:.0f}"
            rows.append(
                [seq, " ".join(marks), time, company, score, km, minutes, window, value, why]
            )
        shown = self._fit_columns(rows)
        if shown != self.shown_columns:
            self._columns(shown)
        picked = [[r[COLUMNS.index(k)] for k in shown] for r in rows]
        for s, row_cells in zip(p.stops, self._fit_names(picked, shown), strict=True):
            table.add_row(*row_cells, key=s.account_id)
        if p.stops:
            table.move_cursor(row=min(row, len(p.stops) - 1))
        self.query_one("#plan-totals", Static).update(
            self.t(
                "{start} {depart} → {end} {back} · lunch {lunch}\n{totals}{saved}\nPlanned ROI {roi} · {calls} calls (Tab: call list)",
                start=p.start.label,
                depart=hhmm(p.depart_s),
                end=p.end.label,
                back=hhmm(p.return_s),
                lunch=text.lunch_text(p),
                totals=text.totals_line(pd, self.lang),
                calls=len(pd.calls),
                saved=self.t(" · saved") if pd.route_id else "",
                roi=text.roi_line(pd, self.lang),
            )
        )
        chosen = {s.account_id for s in p.stops}
        others = [(c.lat, c.lon) for c in pd.model.candidates if c.account_id not in chosen]
        done = [self.status.get(s.account_id, "planned") for s in p.stops]
        self.query_one(RouteMap).set_route(route_points(pd), others, done)
        if self.query_one("#plan-qr", Static).display:
            self._show_qr()  # the legs follow the edited route

    def _pane_width(self) -> int:
        return self.query_one("#plan-left").size.width or self.size.width * 2 // 3

    def _name_room(self, rows: list[list[str]], keys: tuple[str, ...]) -> int:
        """Cells left for the company names when every other column is whole;
        `rows` hold the cells of `keys`, in that order."""
        from rich.cells import cell_len

        others = sum(
            max(cell_len(self.label(PLAN_COLUMNS, key)), *(cell_len(r[i]) for r in rows))
            for i, key in enumerate(keys)
            if key != "company"
        )
        # two cells of padding per column, and the scrollbar
        return self._pane_width() - others - 2 * len(keys) - 3

    def _fit_columns(self, rows: list[list[str]]) -> tuple[str, ...]:
        """The stop table's columns for the pane's width: the least needed ones
        (DROP_FIRST) are left out while the names would get fewer than
        MIN_NAME_CELLS cells; the status (lock, done) and the score always stay."""
        shown: tuple[str, ...] = COLUMNS
        if not rows:
            return shown
        for key in DROP_FIRST:
            picked = [[r[COLUMNS.index(k)] for k in shown] for r in rows]
            if self._name_room(picked, shown) >= MIN_NAME_CELLS:
                break
            shown = tuple(k for k in shown if k != key)
        return shown

    def _fit_names(self, rows: list[list[str]], keys: tuple[str, ...]) -> list[list[str]]:
        """Shorten the company names so that every column fits the left pane."""
        from rich.cells import cell_len

        if not rows:
            return rows
        col = keys.index("company")
        room = max(MIN_NAME_CELLS, self._name_room(rows, keys))
        out = []
        for r in rows:
            name = r[col]
            if cell_len(name) > room:
                cut = ""
                for ch in name:  # whole characters: a wide one is never split
                    if cell_len(cut + ch) > room - 1:
                        break
                    cut += ch
                name = cut + "…"
            out.append([*r[:col], name, *r[col + 1 :]])
        return out

    def on_resize(self) -> None:
        # on a narrow terminal the tables get the whole width; `m` shows the map
        if self.map_shown is None:
            self.query_one(RouteMap).display = self.size.width >= MAP_MIN_WIDTH
        if self.planned is not None and self.busy is None:
            self.show(self.planned)

    def action_toggle_map(self) -> None:
        route_map = self.query_one(RouteMap)
        self.map_shown = not route_map.display
        route_map.display = self.map_shown
        if self.planned is not None and self.busy is None:
            self.call_after_refresh(self.show, self.planned)

    def _why(self, why: str) -> str:
        """'C △ follow-up' in the screen's language (rank and fit symbol stay)."""
        return text.why_text(why, self.lang)

    @on(DataTable.RowHighlighted, "#plan-calls")
    def _call_script(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted call's talk script, under the call list."""
        self._show_script()

    def on_descendant_focus(self) -> None:
        self._show_script()

    def _show_script(self) -> None:
        from fieldsales.planning.calls import phone_script

        box = self.query_one("#plan-script", Static)
        acc = self._current_call()
        if acc is None or self.planned is None:
            box.display = False
            return
        a = self.planned.accounts[acc]
        script = phone_script(a, self.fs.settings, self.planned.plan.day)
        box.update(f"{a.company} · {a.contact_name or '-'} · {a.phone or '-'}\n{script}")
        box.display = True

    def _current_call(self) -> str | None:
        """The call under the cursor when the call list has the focus."""
        calls = self.query_one("#plan-calls", DataTable)
        if self.planned is None or not self.planned.calls or not calls.has_focus:
            return None
        return self.planned.calls[min(calls.cursor_row, len(self.planned.calls) - 1)].account_id

    def _current(self) -> str | None:
        table = self.query_one("#plan-stops", DataTable)
        if self.planned is None or not self.planned.plan.stops:
            return None
        return self.planned.plan.stops[
            min(table.cursor_row, len(self.planned.plan.stops) - 1)
        ].account_id

    def _edit(self, fn: Any, *args: Any) -> None:
        if self.planned is None or self.busy is not None:
            return
        try:
            out = fn(self.planned, *args)
        except PlanError as exc:
            self.notify(str(exc), severity="warning")
            return
        out.route_id = None  # edited after saving: a new version until saved again
        self.show(out)

    # ---- actions ------------------------------------------------------------
    def action_reoptimise(self) -> None:
        if self.busy is None:
            self._start("reopt" if self.planned is not None else "new")

    def action_new_plan(self) -> None:
        if self.busy is None:
            self._start("new")

    def action_choose_day(self) -> None:
        if self.busy is not None or self.day is None:
            return
        from fieldsales.tui.screens.plan_day import DayPickerScreen

        today, settings = self.fs.today, self.fs.settings
        picker = DayPickerScreen(
            today=today,
            current=self.day,
            next_working=workdays.next_working_day(today + timedelta(days=1), settings),
        )
        self.app.push_screen(picker, self._day_chosen)

    def action_step_day(self, step: int) -> None:
        """The next (or previous) working day from the one shown."""
        if self.busy is not None or self.day is None:
            return
        from fieldsales.planning.workdays import day_off

        settings = self.fs.settings
        day = self.day + timedelta(days=step)
        if settings.visits.work_weekdays:
            # weekends, holidays and company closures are stepped over
            for _ in range(366):
                if day_off(day, settings) is None:
                    break
                day += timedelta(days=step)
        self._day_chosen(day)

    def _day_chosen(self, day: date | None) -> None:
        if day is None or self.busy is not None:
            return
        self.day = day
        self.planned, self.status, self.dropped = None, {}, set()
        table = self.query_one("#plan-stops", DataTable)
        table.clear()
        self.query_one(RouteMap).set_route([], [])
        self._start("open")

    def action_drop(self) -> None:
        acc = self._current()
        if acc is not None and self.busy is None:
            self.dropped.add(acc)
            self._edit(edit.drop_stop, acc, self.fs.settings)

    def action_lock(self) -> None:
        acc = self._current()
        if acc is not None:
            self._edit(lambda pd, a: edit.toggle_lock(pd, a), acc)

    def action_move(self, delta: int) -> None:
        acc = self._current()
        if acc is not None and self.busy is None:
            self._edit(edit.move_stop, acc, delta, self.fs.settings)
            self.query_one("#plan-stops", DataTable).move_cursor(
                row=self.query_one("#plan-stops", DataTable).cursor_row + delta
            )

    def action_add(self) -> None:
        """Add the most valuable candidate not planned yet that still fits (in a worker)."""
        if self.planned is not None and self.busy is None:
            self._start("add")

    def action_save(self) -> None:
        if self.planned is not None:
            self.planned.route_id = None  # `w` always writes a new version of the plan
            self._save(("save",))

    def action_mark(self, status: str) -> None:
        acc = self._current()
        if acc is not None:
            self._save(("mark", acc, status))

    def action_log(self) -> None:
        call = self._current_call()
        if call is not None:  # a call is logged like a visit, without a route stop
            from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

            self.app.push_screen(LogOutcomeScreen(call))
            return
        acc = self._current()
        if acc is not None:
            self._save(("log", acc))

    def _qr_links(self) -> list[str]:
        from fieldsales.handoff.links import route_links

        if self.planned is None:
            return []
        return route_links(self.planned, mobile=True)

    def _show_qr(self) -> None:
        from fieldsales.handoff.links import qr_text

        box = self.query_one("#plan-qr", Static)
        links = self._qr_links()
        if not links:
            box.display = False
            return
        self.qr_leg = max(0, min(self.qr_leg, len(links) - 1))
        link = links[self.qr_leg]
        more = self.t(" · n: next leg, N: previous") if len(links) > 1 else ""
        leg = self.t(
            "leg {leg} of {legs}{more}: {link}",
            leg=self.qr_leg + 1,
            legs=len(links),
            more=more,
            link=link,
        )
        box.update(qr_text(link) + leg)
        box.display = True

    def action_qr(self) -> None:
        """Show (or hide) the QR of the route's first Google Maps leg."""
        box = self.query_one("#plan-qr", Static)
        if box.display or self.planned is None:
            box.display = False
            return
        self.qr_leg = 0
        self._show_qr()

    def action_qr_leg(self, step: int) -> None:
        """Step through the legs: a phone browser opens at most 3 waypoints a link."""
        if not self.query_one("#plan-qr", Static).display:
            return
        self.qr_leg += step
        self._show_qr()

    def action_cancel_or_back(self) -> None:
        if self.busy is not None and self.busy != SAVING:
            self._gen += 1  # whatever the cancelled worker still posts is ignored
            self.workers.cancel_group(self, "plan")
            if self._solver is not None:
                self._solver.cancel()
            self._set_busy(None)
            if self.planned is not None:
                self.show(self.planned)
                self.notify(self.t("Planning cancelled (r: re-optimise, R: new plan)"), timeout=3)
            else:
                self.query_one("#plan-totals", Static).update(
                    self.t("Planning cancelled (r: re-optimise, R: new plan)")
                )
            return
        if self.busy is None:
            self.app.pop_screen()
