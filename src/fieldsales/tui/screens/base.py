"""What every screen of the app shares: the worker error path and the language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import on
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


class BaseScreen(AppScreenMixin, Screen[Any]):
    def on_mount(self) -> None:
        self.translate()
        self.refresh_bindings()


class BaseModal(AppScreenMixin, ModalScreen[Any]):
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
