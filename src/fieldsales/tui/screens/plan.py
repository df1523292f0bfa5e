"""The Plan screen: today's route, its map, totals and ROI; edit, re-optimise, hand off.

Solving runs in the warm solver process (services.solver_worker) called from
a Textual thread worker, so a key press is answered while a plan is computed
and `escape` cancels it. Every plan shown has passed the plan checker.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from fieldsales.domain.routing import PlanError, hhmm
from fieldsales.domain.solver import SolveFn
from fieldsales.services import planning
from fieldsales.services.planning_model import STOP_COLUMNS, stop_cells
from fieldsales.tui.screens.base import BaseScreen
from fieldsales.tui.widgets.route_map import RouteMap


class PlanReady(Message):
    def __init__(self, planned: planning.PlannedDay) -> None:
        super().__init__()
        self.planned = planned


class PlanFailed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class PlanScreen(BaseScreen):
    DEFAULT_CSS = """
    PlanScreen #plan-body { height: 1fr; }
    PlanScreen #plan-left { width: 3fr; }
    PlanScreen #plan-map { width: 2fr; }
    PlanScreen #plan-stops { height: 1fr; }
    PlanScreen #plan-totals { height: auto; padding: 0 1; }
    PlanScreen #plan-qr { height: auto; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reoptimise", "Re-optimise", id="plan_reoptimise"),
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
        Binding("n", "qr_leg(1)", "Next leg", id="plan_qr_next", show=False),
        Binding("N", "qr_leg(-1)", "Previous leg", id="plan_qr_prev", show=False),
        Binding("escape", "cancel_or_back", "Back", id="plan_back"),
    ]

    def __init__(self, *, start: str | None = None, solve: SolveFn | None = None) -> None:
        super().__init__()
        self.start_spec = start
        self._solve = solve
        self._solver: Any = None
        self.planned: planning.PlannedDay | None = None
        self.dropped: set[str] = set()
        self.busy = False
        self.qr_leg = 0  # which Google Maps leg the QR shows (mobile links hold 3 stops)

    def compose(self) -> ComposeResult:
        with Horizontal(id="plan-body"):
            with Vertical(id="plan-left"):
                yield DataTable(id="plan-stops", cursor_type="row", zebra_stripes=True)
                yield Static("Planning…", id="plan-totals")
                yield Static("", id="plan-qr")
            yield RouteMap(id="plan-map")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DataTable)
        table.add_columns(*STOP_COLUMNS, "")
        if self._solve is None:
            from fieldsales.services.solver_worker import WarmSolver

            self._solver = WarmSolver()
            self._solver.start()  # warms up while the ranking is read
            self._solve = self._solver.solve
        self._start()

    def on_unmount(self) -> None:
        if self._solver is not None:
            self._solver.close()

    # ---- solving in a worker --------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="plan", name="plan")
    def run_plan(self, reopt: bool = False) -> None:
        app = self.fs
        try:
            if reopt and self.planned is not None:
                out = planning.reoptimise(
                    self.planned, app.settings, dropped=self.dropped, solve=self._solve
                )
            else:
                start = self.start_spec
                if start is None and app.origin[0] != app.settings.office.label:
                    start = f"{app.origin[1]},{app.origin[2]}"
                # on a day off (a Sunday evening) the rep plans the next working day
                out = planning.plan_day(
                    app.engine,
                    app.settings,
                    day=planning.next_working_day(app.today, app.settings),
                    start=start,
                    skip=self.dropped,
                    solve=self._solve,
                )
        except Exception as exc:  # shown as one line; cancelling lands here too
            self.post_message(PlanFailed(str(exc) or type(exc).__name__))
            return
        self.post_message(PlanReady(out))

    def _start(self, reopt: bool = False) -> None:
        self.busy = True
        self.query_one("#plan-totals", Static).update("Planning… (escape cancels)")
        self.run_plan(reopt)

    @on(PlanReady)
    def _ready(self, msg: PlanReady) -> None:
        self.busy = False
        self.show(msg.planned)

    @on(PlanFailed)
    def _failed(self, msg: PlanFailed) -> None:
        self.busy = False
        self.query_one("#plan-totals", Static).update(f"No plan: {msg.text}")
        self.notify(msg.text, severity="warning")

    # ---- showing -------------------------------------------------------------
    def show(self, pd: planning.PlannedDay) -> None:
        from fieldsales.handoff import roi_line, route_points

        self.planned = pd
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        p = pd.plan
        for s, cells in zip(p.stops, stop_cells(pd, short=True), strict=True):
            mark = "🔒" if s.account_id in pd.locked else ""
            table.add_row(
                *cells,
                mark,
                key=s.account_id,
            )
        if p.stops:
            table.move_cursor(row=min(row, len(p.stops) - 1))
        lunch = "-" if p.lunch is None else f"{hhmm(p.lunch[0])}-{hhmm(p.lunch[1])}"
        saved = " · saved" if pd.route_id else ""
        self.query_one("#plan-totals", Static).update(
            f"{p.day} {p.start.label} {hhmm(p.depart_s)} → {p.end.label} {hhmm(p.return_s)} · "
            f"lunch {lunch}\n{len(p.stops)} visits · {p.km:.1f} km · "
            f"{round(p.drive_s / 60)} min driving · {round(p.idle_s / 60)} min idle · "
            f"score {p.score:.0f}{saved}\nPlanned ROI {roi_line(pd)}"
        )
        chosen = {s.account_id for s in p.stops}
        others = [(c.lat, c.lon) for c in pd.model.candidates if c.account_id not in chosen]
        self.query_one(RouteMap).set_route(route_points(pd), others)
        if self.query_one("#plan-qr", Static).display:
            self._show_qr()  # the legs follow the edited route

    def _current(self) -> str | None:
        table = self.query_one(DataTable)
        if self.planned is None or not self.planned.plan.stops:
            return None
        return self.planned.plan.stops[
            min(table.cursor_row, len(self.planned.plan.stops) - 1)
        ].account_id

    def _edit(self, fn: Any, *args: Any) -> None:
        if self.planned is None or self.busy:
            return
        try:
            self.show(fn(self.planned, *args))
        except PlanError as exc:
            self.notify(str(exc), severity="warning")

    # ---- actions ------------------------------------------------------------
    def action_reoptimise(self) -> None:
        if not self.busy:
            self._start(reopt=self.planned is not None)

    def action_drop(self) -> None:
        acc = self._current()
        if acc is not None:
            self.dropped.add(acc)
            self._edit(planning.drop_stop, acc, self.fs.settings)

    def action_lock(self) -> None:
        acc = self._current()
        if acc is not None:
            self._edit(lambda pd, a: planning.toggle_lock(pd, a), acc)

    def action_move(self, delta: int) -> None:
        acc = self._current()
        if acc is not None:
            self._edit(planning.move_stop, acc, delta, self.fs.settings)
            self.query_one(DataTable).move_cursor(row=self.query_one(DataTable).cursor_row + delta)

    def action_add(self) -> None:
        """Add the most valuable candidate not planned yet that still fits."""
        if self.planned is None:
            return
        chosen = {s.account_id for s in self.planned.plan.stops} | self.dropped
        for c in sorted(self.planned.model.candidates, key=lambda c: -c.value):
            if c.account_id in chosen:
                continue
            try:
                self.show(planning.add_stop(self.planned, c.account_id, self.fs.settings))
                return
            except PlanError:
                continue
        self.notify("Nothing else fits the day", severity="warning")

    def _ensure_saved(self) -> str | None:
        if self.planned is None:
            return None
        if self.planned.route_id is None:
            planning.save_plan(self.fs.engine, self.fs.settings, self.planned)
        return self.planned.route_id

    def action_save(self) -> None:
        if self.planned is not None:
            self.planned.route_id = None  # a new version of the plan
            self._ensure_saved()
            self.show(self.planned)
            self.notify("Plan saved")

    def action_mark(self, status: str) -> None:
        acc = self._current()
        route_id = self._ensure_saved()
        if acc is None or route_id is None:
            return
        planning.mark_stop(self.fs.engine, route_id, acc, status)
        self.notify(f"{self.planned.accounts[acc].company}: {status}")  # type: ignore[union-attr]
        self.show(self.planned)  # type: ignore[arg-type]

    def action_log(self) -> None:
        acc = self._current()
        route_id = self._ensure_saved()
        if acc is None or route_id is None:
            return
        from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

        stop_id = planning.route_stop_ids(self.fs.engine, route_id).get(acc)
        self.app.push_screen(LogOutcomeScreen(acc, route_stop_id=stop_id))

    def _qr_links(self) -> list[str]:
        from fieldsales.handoff import route_points
        from fieldsales.handoff.links import directions_links

        if self.planned is None:
            return []
        return directions_links(route_points(self.planned), mobile=True)

    def _show_qr(self) -> None:
        from fieldsales.handoff.links import qr_text

        box = self.query_one("#plan-qr", Static)
        links = self._qr_links()
        if not links:
            box.display = False
            return
        self.qr_leg = max(0, min(self.qr_leg, len(links) - 1))
        link = links[self.qr_leg]
        more = " · n: next leg, N: previous" if len(links) > 1 else ""
        box.update(qr_text(link) + f"leg {self.qr_leg + 1} of {len(links)}{more}: {link}")
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
        if self.busy and self._solver is not None:
            self._solver.cancel()
            self.busy = False
            self.query_one("#plan-totals", Static).update("Planning cancelled (r: plan again)")
            return
        self.app.pop_screen()
