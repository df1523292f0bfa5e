"""A TextArea whose bound keys keep their order with the typing (text_input.py says why).

Apart from text_input.py so that TextArea's modules are imported only by the screens
that have one, not with the list's search box at start-up.
"""

from __future__ import annotations

from textual.widgets import TextArea

from fieldsales.tui.widgets.text_input import _InlineBindings


class TextBox(_InlineBindings, TextArea):
    """TextArea whose bound keys keep their order with the typing."""
