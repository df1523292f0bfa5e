"""A footer that shows whole keys on any terminal width.

Textual's Footer lays every key in one row and cuts what does not fit
(at 120 columns the Plan screen lost its last keys, at 80 most screens
did). This one measures its keys first: it goes compact (one cell less a
key) when they do not fit, then leaves keys out, the app-wide ones (language,
plan) before the command palette key and that before the screen's own keys
from the last. `?` (help, which lists every key) and the screen's `escape`
key are always kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEEP_ACTIONS = ("help",)  # never left out, wherever they are bound
KEEP_KEYS = ("escape",)  # the way back out of a screen
PALETTE_CELLS = 13  # "▏^p palette " and its padding


@dataclass
class _Key:
    binding: Binding
    enabled: bool
    tooltip: str
    app_wide: bool
    display: str

    def cells(self, compact: bool) -> int:
        text = cell_len(self.display)
        if not self.binding.description:
            return text + (1 if compact else 0)
        # normal: " k " + "description "; compact: "k" + " description" + a cell of margin
        return text + cell_len(self.binding.description) + (2 if compact else 3)

    @property
    def kept(self) -> bool:
        return self.binding.action in KEEP_ACTIONS or self.binding.key in KEEP_KEYS


def fit_keys(keys: list[_Key], width: int, palette: bool) -> tuple[list[_Key], bool, bool]:
    """The keys that fit `width` cells, whether they are drawn compact, and
    whether the command palette key still shows."""

    def used(shown: Iterable[_Key], compact: bool, with_palette: bool) -> int:
        return sum(k.cells(compact) for k in shown) + (PALETTE_CELLS if with_palette else 0)

    if used(keys, False, palette) <= width:
        return keys, False, palette
    shown = list(keys)
    # the order keys are given up in: app-wide ones, the palette key, then the screen's from the end
    drop_order = [k for k in shown if k.app_wide and not k.kept]
    drop_order.append(None)  # type: ignore[arg-type]  # the palette key
    drop_order += [k for k in reversed(shown) if not k.app_wide and not k.kept]
    for key in drop_order:
        if used(shown, True, palette) <= width:
            break
        if key is None:
            palette = False
        else:
            shown.remove(key)
    return shown, True, palette


class FitFooter(Footer):
    """The screen's keys, as many whole ones as the width holds (see the module)."""

    def _fitted(self) -> tuple[list[_Key], bool, bool, int]:
        """The keys shown now, whether compact, whether the palette key shows, the width."""
        keys: list[_Key] = []
        seen: set[str] = set()
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append(
                _Key(binding, enabled, tooltip, node is self.app, self.app.get_key_display(binding))
            )
        width = self.size.width or self.app.size.width
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        shown, compact, palette = fit_keys(keys, width, palette)
        return shown, compact, palette, width

    @staticmethod
    def _signature(shown: list[_Key], compact: bool, palette: bool) -> tuple[object, ...]:
        keys = tuple(
            (
                k.binding.key,
                k.display,
                k.binding.description,
                k.binding.action,
                k.enabled,
                k.tooltip,
            )
            for k in shown
        )
        return (keys, compact, palette)

    _shown_signature: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Recompose only when the keys shown change. Textual's footer recomposes at
        every focus change and every return from a dialog (the search box, Ctrl+S in
        the log form): ~15 widgets built and styled anew, a frame of ~50-100 ms at
        100,000 accounts' load, for the same keys. What is shown is compared when the
        recompose is due, not when it is asked for: at the start the bindings change
        five or six times before the first recompose runs, and each asked for one
        (~0.1 s of the first paint)."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown, compact, palette, _width = self._fitted()
        if self._signature(shown, compact, palette) != self._shown_signature:
            await self.recompose()

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown, compact, palette, width = self._fitted()
        self.compact = compact
        self._fitted_width = width
        self._shown_signature = self._signature(shown, compact, palette)
        for k in shown:
            yield FooterKey(
                k.binding.key,
                k.display,
                k.binding.description,
                k.binding.action,
                disabled=not k.enabled,
                tooltip=k.tooltip,
                # styled compact from the start: the bound value then changes no
                # class (each change restyled the key: ~13 restyles a compose)
                classes="-compact" if compact else "",
            ).data_bind(compact=Footer.compact)
        if palette:
            try:
                _node, binding, enabled, _tooltip = self.screen.active_bindings[
                    self.app.COMMAND_PALETTE_BINDING
                ]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    _fitted_width = 0

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._fitted_width:
            self.call_after_refresh(self._recompose_if_changed)
