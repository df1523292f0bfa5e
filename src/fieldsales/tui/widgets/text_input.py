"""Text boxes whose editing keys keep their order with the typing.

Textual's Input and TextArea insert a printable key as it arrives, but run a
bound key (backspace, arrows, Home, Ctrl+U, Enter, ...) only once the key has
bubbled up to the app. Keys that arrive together (a busy app at 100,000
accounts, a paste of keys, tmux send-keys, a fast typist) then apply out of
order: "5", Backspace, "6" left "5" (the "6" was typed, then deleted by the
backspace that came before it). Textual issue #6605 (open; PR #6631 proposes
this same fix). These run the widget's own non-priority bindings as the key
arrives, as the app would have run them a moment later: the focused widget's
bindings come first in the app's chain, so what runs is unchanged, only when.
Keys bound elsewhere (Tab moves the focus: the app's) still run on arrival at
the app: letters typed right after a Tab can still land in the box before it.

TextBox (the TextArea) is in text_box.py: TextArea's modules (documents, syntax
themes, tree-sitter) are not imported with the list's search box at start-up.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input


class _InlineBindings:
    """Mixin for a focused text widget: its own bindings run in its key handler."""

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)  # type: ignore[misc]
        if event._stop_propagation or event._no_default_action:
            return  # typed into the box (or handled) by the widget itself
        widget: Any = self
        for binding in widget._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue  # the app ran priority bindings before the key came here
            if await widget.app.run_action(binding.action, widget):
                event.stop()
                event.prevent_default()
                return


class TextInput(_InlineBindings, Input):
    """Input whose Backspace, arrows, Enter, ... keep their order with the typing."""
