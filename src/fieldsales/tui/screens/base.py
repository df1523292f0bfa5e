"""What every screen of the app shares: the worker error path and the language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual._context import active_app
from textual.screen import ModalScreen, Screen
from textual.widgets import Button
from textual.worker import Worker

from fieldsales.i18n import ntr
from fieldsales.i18n.labels import label
from fieldsales.tui.i18n import tr, translate_bindings

if TYPE_CHECKING:
    from fieldsales.tui.app import FieldSalesApp


class AppScreenMixin:
    """Workers started by a screen report to the screen; hand failures to the app."""

    @property
    def fs(self) -> FieldSalesApp:
        return cast("FieldSalesApp", self.app)  # type: ignore[attr-defined]

    @property
    def lang(self) -> str:
        return self.fs.language

    def t(self, message: str, **values: Any) -> str:
        """`message` (an English msgid) in the app's language."""
        return tr(message, self.lang, **values)

    def nt(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The plural form for `n` in the app's language."""
        return ntr(singular, plural, n, self.lang, **values)

    def label(self, table: Mapping[str, str], value: str | None) -> str:
        """The words for a stored id (fieldsales.i18n.labels) in the app's language."""
        return label(table, value, self.lang)

    # A plain name-based handler: @on in a mixin that is not a MessagePump is
    # never registered by Textual's metaclass.
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.fs.worker_failed(event.worker)

    def translate(self) -> None:
        translate_bindings(self, self.lang)
        for widget in self.query("*"):  # type: ignore[attr-defined]
            translate_bindings(widget, self.lang)


def preset_breakpoints(screen: Screen[Any]) -> None:
    """Give a new screen the size classes of the terminal (`-medium -tall`...: the
    app's HORIZONTAL_BREAKPOINTS and VERTICAL_BREAKPOINTS) before it is styled.
    Textual sets them at the screen's first resize, after its widgets are styled,
    and styles every widget of the screen again: a screen's start paid its styling
    twice (10-20 ms a screen, at the app's start twice: the list and the first-run
    dialog). The first resize then finds them set and changes nothing."""
    try:
        app = active_app.get()
    except LookupError:  # built outside a running app
        return
    width, height = app.size
    horizontal = (
        app.HORIZONTAL_BREAKPOINTS
        if screen.HORIZONTAL_BREAKPOINTS is None
        else screen.HORIZONTAL_BREAKPOINTS
    ) or []
    vertical = (
        app.VERTICAL_BREAKPOINTS
        if screen.VERTICAL_BREAKPOINTS is None
        else screen.VERTICAL_BREAKPOINTS
    ) or []
    classes = {name: False for _, name in horizontal + vertical}
    for dimension, points in ((width, horizontal), (height, vertical)):
        for name in screen._get_breakpoint_classes(dimension, points):
            classes[name] = True
    screen.update_classes(classes, update=False)


class BaseScreen(AppScreenMixin, Screen[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset_breakpoints(self)

    def on_mount(self) -> None:
        self.translate()
        self.refresh_bindings()


class BaseModal(AppScreenMixin, ModalScreen[Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset_breakpoints(self)

    def on_mount(self) -> None:
        self.translate()
        self.refresh_bindings()


class FormModal(BaseModal):
    """A dialog with #save and #cancel buttons: the buttons do what Ctrl+S and
    Escape do (action_save, action_cancel); cancelling dismisses with None."""

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
