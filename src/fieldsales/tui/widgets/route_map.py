"""A route map drawn in braille (2 x 4 dots a cell): office, route in order, numbered stops.

No tiles, no network: positions are projected equirectangularly (longitude
scaled by cos(latitude)), the view fits the route's points with a margin, the
legs are drawn as dotted lines in visiting order, the other candidates in the
view are faint dots, the start/end is a diamond and each stop shows its number:
white on blue while open, black on green once done, grey once skipped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

BRAILLE_BASE = 0x2800
# dot bit for (x % 2, y % 4) inside one braille cell
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
MARGIN = 0.08  # share of the view kept free around the route
STOP_STYLES = {
    "planned": "bold white on blue",
    "done": "bold black on green",
    "skipped": "grey50 on grey23",
}


class RouteMap(Widget):
    DEFAULT_CSS = """
    RouteMap { height: 1fr; min-height: 8; border: round $primary-darken-2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.route: list[tuple[float, float]] = []  # start, stops..., end
        self.others: list[tuple[float, float]] = []
        self.status: list[str] = []  # per stop: planned | done | skipped

    def set_route(
        self,
        route: Sequence[tuple[float, float]],
        others: Sequence[tuple[float, float]] = (),
        status: Sequence[str] = (),
    ) -> None:
        self.route = list(route)
        self.others = list(others)
        self.status = list(status)
        self.refresh()

    def render(self) -> Text:
        w, h = max(4, self.content_size.width), max(2, self.content_size.height)
        return draw(self.route, self.others, w, h, self.status)


def _projector(
    pts: Sequence[tuple[float, float]], w: int, h: int
) -> tuple[float, float, float, float, float]:
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    x0, x1 = min(lons) * kx, max(lons) * kx
    y0, y1 = min(lats), max(lats)
    span_x, span_y = max(x1 - x0, 1e-4), max(y1 - y0, 1e-4)
    # one braille dot is about as wide as tall, so one scale for both axes
    scale = min((w * 2 - 1) * (1 - 2 * MARGIN) / span_x, (h * 4 - 1) * (1 - 2 * MARGIN) / span_y)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return kx, cx, cy, scale, 0.0


def draw(
    route: Sequence[tuple[float, float]],
    others: Sequence[tuple[float, float]],
    w: int,
    h: int,
    status: Sequence[str] = (),
) -> Text:
    """The map as Text of h lines of w cells; `status` gives each stop's state."""
    dots = [[0] * w for _ in range(h)]
    faint = [[0] * w for _ in range(h)]
    labels: dict[tuple[int, int], tuple[str, str]] = {}
    if not route:
        return Text("\n".join(" " * w for _ in range(h)))
    kx, cx, cy, scale, _ = _projector(route, w, h)

    def to_dot(p: tuple[float, float]) -> tuple[int, int]:
        x = (p[1] * kx - cx) * scale + w  # w dots = half the dot width
        y = -(p[0] - cy) * scale + h * 2
        return round(x), round(y)

    def plot(grid: list[list[int]], x: int, y: int) -> None:
        if 0 <= x < w * 2 and 0 <= y < h * 4:
            grid[y // 4][x // 2] |= DOT_BITS[x % 2][y % 4]

    for p in others:
        plot(faint, *to_dot(p))
    pts = [to_dot(p) for p in route]
    for (xa, ya), (xb, yb) in itertools.pairwise(pts):
        n = max(abs(xb - xa), abs(yb - ya), 1)
        for i in range(n + 1):
            plot(dots, round(xa + (xb - xa) * i / n), round(ya + (yb - ya) * i / n))
    for i, (x, y) in enumerate(pts):
        cell = (y // 4, x // 2)
        if i in (0, len(pts) - 1):
            labels[cell] = ("◆", "bold yellow")
        elif 0 <= cell[0] < h and 0 <= cell[1] < w:
            # a number of two digits takes two cells (shifted left at the right edge)
            label = str(i)
            col = min(cell[1], w - len(label))
            state = status[i - 1] if i - 1 < len(status) else "planned"
            style = STOP_STYLES.get(state, STOP_STYLES["planned"])
            for k, ch in enumerate(label):
                labels.setdefault((cell[0], col + k), (ch, style))
    text = Text()
    for r in range(h):
        for c in range(w):
            if (r, c) in labels:
                ch, style = labels[(r, c)]
                text.append(ch, style=style)
            elif dots[r][c]:
                text.append(chr(BRAILLE_BASE + dots[r][c]), style="cyan")
            elif faint[r][c]:
                text.append(chr(BRAILLE_BASE + faint[r][c]), style="grey37")
            else:
                text.append(" ")
        if r < h - 1:
            text.append("\n")
    return text
