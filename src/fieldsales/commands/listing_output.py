"""The ranked listing written as JSON or CSV (`fieldsales rank --json|--csv`),
a batch at a time: a listing of every account streams, its memory flat.

Each batch is built as columns (services/rank_listing.py) and each column is
encoded at once: JSON text of every value of a column by one C function
(string escaping, int and float repr, as json.dumps writes them), then each
account's line filled into a template of its object that json itself wrote.
The output is byte for byte what json.dumps(row, ensure_ascii=False) of each
account's dict gives (tests/speed/test_listing_output.py builds that
reference row by row).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Generator
from json import encoder as json_encoder
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldsales.commands.listing_apart import Texts

CSV_COLUMNS = ("position", "id", "external_id", "company", "site", "city", "rank", "total")
CSV_TAIL = (
    "stage",
    "main_reason",
    "expected_value_visit",
    "expected_value_phone",
    "distance_km",
    "geo_precision",
    "months_dormant",
    "last_order_date",
    "next_followup",
)

_NONE = type(None)
_quote: Callable[[str], str] = json_encoder.encode_basestring  # ensure_ascii=False's escaping


def _learned(items: Any, settings: Any) -> Any:
    """Rates learned once for the ranking the view comes from."""
    from fieldsales.services.rates import learned_for

    return learned_for(items.base, settings) if len(items) else None


def _values(
    batch: Any, settings: Any, learned: Any, future: list[Any] | None = None
) -> tuple[list[int], list[int]]:
    """Expected gross profit of a visit and of a phone call per account, yen
    (docs/method.md#channel-fit).

    The deal is the account's average order, or its expected future value
    (BG/NBD x Gamma-Gamma) where config clv.deal_from_expected_value asks for it
    and the account has one."""
    import numpy as np

    from fieldsales.domain.roi import expected_values

    deal = np.array(batch.detail["average_order"], dtype=float)  # None: NaN
    if future is not None and settings.clv.deal_from_expected_value:
        expected = np.array(future, dtype=float)
        use = ~np.isnan(expected) & (expected > 0)
        deal = np.where(use, expected, deal)
    ranks = np.array(batch.ranks, dtype=str)
    margin = np.array(batch.detail["gross_margin"], dtype=float)
    out = []
    for channel in ("visit", "phone"):
        ev = expected_values(ranks, deal, margin, settings, channel, learned)
        # round() of each value (half to even), as rint does, unless a value is
        # no finite number or too large for an int64 (round() decides those)
        if len(ev) and np.isfinite(ev).all() and float(np.abs(ev).max()) < 2.0**62:
            out.append(np.rint(ev).astype(np.int64).tolist())
        else:
            out.append([round(v) for v in ev.tolist()])
    return out[0], out[1]


def _encoder() -> Callable[[Any], str]:
    """One value's JSON text, as json.dumps(value, ensure_ascii=False) writes it.

    The C encoder made once and called per value: JSONEncoder.encode builds it
    anew on every call."""
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C speed-ups
        return json.JSONEncoder(ensure_ascii=False).encode
    c_encode = make(None, None, _quote, None, ": ", ", ", False, False, True)
    return lambda value: "".join(c_encode(value, 0))


def _true_false(value: bool) -> str:
    return "true" if value else "false"


_FAST: dict[type, Callable[[Any], str]] = {
    str: _quote,
    int: int.__repr__,
    float: float.__repr__,
    bool: _true_false,
}


def encoded(values: list[Any], dumps: Callable[[Any], str]) -> list[str]:
    """The JSON text of each value of a column, as `dumps` gives it; a column of
    one type (and None) at once, any other through `dumps` value by value."""
    kinds = set(map(type, values))
    has_none = _NONE in kinds
    kinds.discard(_NONE)
    if not kinds:
        return ["null"] * len(values)
    kind = kinds.pop()
    fast = _FAST.get(kind)
    if kinds or fast is None:
        return list(map(dumps, values))
    present = [v for v in values if v is not None] if has_none else values
    if kind is float and not math.isfinite(sum(present)):
        return list(map(dumps, values))  # NaN, Infinity: json's spelling
    if has_none:
        return ["null" if v is None else fast(v) for v in values]
    return list(map(fast, values))


def _lists(values: list[list[str]]) -> list[str]:
    """JSON text of lists of strings (the churn signs)."""
    return ["[" + ", ".join(map(_quote, v)) + "]" if v else "[]" for v in values]


# characters json escapes in a string with ensure_ascii=False: a column
# without them is written as is, between quotes
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _plain(text: str) -> bool:
    """Whether json writes `text` as is between quotes (nothing to escape).
    Printable text holds no control character: only quotes and backslashes
    are left to look for (two finds, faster than the pattern on every text)."""
    if text.isprintable():
        return '"' not in text and "\\" not in text
    return _ESCAPED.search(text) is None


def _slot(
    values: list[Any], dumps: Callable[[Any], str], kind: type | None = None
) -> tuple[str, list[Any] | None]:
    """How a column fills its slot of the template: (format, values), values
    None when the format is the column's one text for every row (all null).
    Columns of one type go in raw, for the % operator to write (ints %d,
    finite floats %r, strings needing no escape between quotes); any other is
    encoded value by value (encoded). `kind`: the one type of every value,
    when the column is built so (spares looking at each)."""
    kinds = set(map(type, values)) if kind is None else {kind}
    if kinds == {str}:
        if _plain("".join(values)):
            return '"%s"', values
    elif kinds == {int}:
        return "%d", values
    elif kinds == {float}:
        if math.isfinite(sum(values)):
            return "%r", values
    elif kinds == {_NONE}:
        return "null", None
    return "%s", encoded(values, dumps)


class _Template:
    """One account's JSON object with a slot for each value: the text json
    itself writes for the object's shape, cut where the values go."""

    def __init__(self, shape: Callable[[Callable[[], str]], dict[str, Any]], dumps: Any) -> None:
        slots: list[str] = []

        def slot() -> str:
            slots.append(f"\x00{len(slots)}")  # json writes it "\u0000k"
            return slots[-1]

        text = dumps(shape(slot)).replace("%", "%%")
        self.pieces: list[str] = []
        for k in range(len(slots)):
            before, mark, text = text.partition(f'"\\u0000{k}"')
            assert mark, "slots are filled in the order they appear"
            self.pieces.append(before)
        self.pieces.append(text)
        self.slots = len(slots)
        self._formats: dict[tuple[str, ...], str] = {}

    def fill(self, slots: list[tuple[str, list[Any] | None]], n: int) -> list[str]:
        """The n lines of a batch, from each slot's (format, values) (_slot)."""
        assert len(slots) == self.slots
        codes = tuple(code for code, _ in slots)
        fmt = self._formats.get(codes)
        if fmt is None:
            parts = [self.pieces[0]]
            for code, piece in zip(codes, self.pieces[1:], strict=True):
                parts += (code, piece)
            fmt = self._formats[codes] = "".join(parts)
        columns = [values for _, values in slots if values is not None]
        if not columns:
            return [fmt] * n
        return [fmt % row for row in zip(*columns, strict=True)]


def _shape(weights: list[tuple[str, float]]) -> Callable[[Callable[[], str]], dict[str, Any]]:
    """An account's JSON object, its values slots (the keys in output order)."""

    def shape(s: Callable[[], str]) -> dict[str, Any]:
        return {
            "id": s(),
            "external_id": s(),
            "company": s(),
            "site": s(),
            "city": s(),
            "rank": s(),
            "total": s(),
            "no_location": s(),
            "breakdown": {
                name: {"score": s(), "weight": weight, "points": s(), "raw": s()}
                for name, weight in weights
            },
            "stage": s(),
            "main_reason": s(),
            "expected_value": {"visit": s(), "phone": s()},
            "distance_km": s(),
            "geo_precision": s(),
            "months_dormant": s(),
            "last_order_date": s(),
            "next_followup": s(),
            "signals": s(),
            "p_alive": s(),
            "expected_orders": s(),
            "expected_order_value": s(),
            "expected_future_value": s(),
        }

    return shape


def _json_texts(items: Any, settings: Any, size: int) -> Texts:
    """texts(first, step): the JSON text of batches first, first + step, ... of
    the view (listing_apart.Texts), each its accounts' lines after the
    separator from the batch before. What every batch needs (the rates, the
    early-warning figures) is worked out here, once, before any is built."""
    from fieldsales.services.early_warning import listing_fields

    dumps = _encoder()
    learned = _learned(items, settings)
    fields = listing_fields(items)

    def texts(first: int, step: int) -> Generator[str, None, None]:
        template: _Template | None = None
        number = first
        for b in items.batches(size, first, step):
            if template is None:
                template = _Template(_shape([(n, w) for n, _, w, _, _ in b.breakdown]), dumps)
            slots = _json_slots(b, fields, dumps, settings, learned)
            n = len(b)
            del b  # the batch is not held while its lines are filled, nor the next one read
            lines = template.fill(slots, n)
            del slots
            # the separator from the batch before, then the lines: one text made once
            lines[0] = ("\n    " if number == 0 else ",\n    ") + lines[0]
            text = ",\n    ".join(lines)
            del lines
            yield text
            del text
            number += step

    return texts


def _json_slots(
    b: Any, fields: Any, dumps: Any, settings: Any, learned: Any
) -> list[tuple[str, list[Any] | None]]:
    """How each value of a batch's accounts fills their JSON lines (_Template.fill)."""
    # the early-warning fields (churn signs, P(alive), expected value), a batch at once
    extra = fields(b.positions)
    future = extra["expected_future_value"]
    visit, phone = _values(b, settings, learned, future)
    breakdown: list[tuple[list[Any], type | None]] = []
    for _, scores, _, points, raw in b.breakdown:
        breakdown += ((scores, None), (points, float), (raw, None))
    # each column, with its one type where it is built so (None: look)
    columns: list[tuple[list[Any], type | None]] = [
        (b.ids, str),
        (b.detail["external_id"], None),
        ([c or "" for c in b.text["company"]], str),
        (b.text["site"], None),
        (b.text["city"], None),
        (b.ranks, str),
        (b.totals, float),
        (b.no_location, bool),
        *breakdown,
        (b.stages, str),
        ([r or "unknown" for r in b.text["main_reason"]], str),
        (visit, int),
        (phone, int),
        (b.distance_km, None),
        (b.geo_precision, str),
        (b.months_dormant, None),
        (b.last_order_date, None),
        (b.next_followup, None),
    ]
    # a column shown twice (distance and months are also raw values of the
    # breakdown: one list) is encoded once
    made: dict[int, tuple[str, list[Any] | None]] = {}
    slots = []
    for values, kind in columns:
        slot = made.get(id(values))
        if slot is None:
            slot = made[id(values)] = _slot(values, dumps, kind)
        slots.append(slot)
    del made
    signs = extra["signals"]  # lists of strings
    slots.append(("%s", _lists(signs)) if any(signs) else ("[]", None))
    for name in ("p_alive", "expected_orders", "expected_order_value"):
        slots.append(_slot(extra[name], dumps))
    slots.append(_slot(future, dumps))
    return slots


def _batch_count(items: Any, size: int) -> int:
    return -(-len(items) // size)


def _apart(items: Any, size: int, apart: bool | None) -> bool:
    """Build the batches with a child process (listing_apart)? None: when the
    listing is long and its fields can be read in a child."""
    from fieldsales.commands import listing_apart

    if apart is None:
        apart = listing_apart.can_split(_batch_count(items, size))
    return apart and items.reads_apart()


def write_json(
    out: IO[str],
    items: Any,
    label: str,
    lat: float,
    lon: float,
    total: int,
    settings: Any,
    *,
    size: int = 0,
    apart: bool | None = None,
) -> None:
    """The listing as JSON, written a batch at a time (one account a line),
    never holding the whole list: a listing of every account streams. `size`:
    accounts a batch (0: rank_listing.BATCH); `apart`: build alternate batches
    in a child process (None: for a long listing; listing_apart)."""
    from fieldsales.commands.listing_apart import write_batches
    from fieldsales.services.rank_listing import BATCH

    size = size or BATCH
    origin = json.dumps({"label": label, "lat": lat, "lon": lon}, ensure_ascii=False)
    out.write(f'{{\n  "origin": {origin},\n  "matching": {total},\n  "accounts": [')
    if not len(items):
        out.write("]\n}\n")
        return
    texts = _json_texts(items, settings, size)
    split = _apart(items, size, apart)
    write_batches(
        out, texts, _batch_count(items, size), apart=split, in_child=items.reopen_in_child
    )
    out.write("\n  ]\n}\n")


# characters that may make csv quote a field (it quotes `,`, `"` and line
# breaks; NUL and carriage return differ between Python versions): a column
# without any is written as is, its odd values as csv itself writes them
_CSV_ODD = re.compile(r'[,"\r\n\x00]')


class _CsvField:
    """One value as csv.writer writes it within a row (QUOTE_MINIMAL)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def __call__(self, value: Any) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow((value, ""))  # a second field: a lone "" is quoted
        return self._buffer.getvalue()[:-2]


def _csv_slot(values: list[Any], field: _CsvField, kind: type | None = None) -> tuple[str, Any]:
    """How a column fills its slot of a CSV line: (format, values), values
    None when the format is the column's one text for every row. Text without
    odd characters, ints and floats go in raw (%s, %d, %r: what csv writes for
    them); None is empty; anything else is written value by value by csv."""
    kinds = set(map(type, values)) if kind is None else {kind}
    if kinds == {str}:
        if _CSV_ODD.search("".join(values)) is None:
            return "%s", values
    elif kinds == {int}:
        return "%d", values
    elif kinds == {float}:
        return "%r", values
    elif kinds <= {_NONE}:
        return "", None

    def one(value: Any) -> str:
        kind = type(value)
        if value is None:
            return ""
        if kind is str and _CSV_ODD.search(value) is None:
            return str(value)
        if kind is int or kind is float:
            return repr(value)
        return field(value)

    return "%s", [one(v) for v in values]


def _csv_lines(slots: list[tuple[str, Any]], n: int) -> list[str]:
    """The n lines of a batch (without line ends) from each column's slot."""
    fmt = ",".join(code.replace("%", "%%") if values is None else code for code, values in slots)
    columns = [values for _, values in slots if values is not None]
    if not columns:
        return [fmt % ()] * n
    return [fmt % row for row in zip(*columns, strict=True)]


def write_csv(
    out: IO[str], items: Any, settings: Any, *, size: int = 0, apart: bool | None = None
) -> None:
    """The listing as CSV, written a batch at a time: the score of each
    criterion in a column named after it (empty: not scorable). Each line is
    filled from the batch's columns as csv.writer writes its fields (byte for
    byte: tests/speed/test_listing_output.py writes the reference row by row
    with csv.writer). `size`, `apart`: as write_json."""
    from fieldsales.commands.listing_apart import write_batches
    from fieldsales.domain import criteria
    from fieldsales.services.rank_listing import BATCH

    size = size or BATCH
    writer = csv.writer(out, lineterminator="\n")  # the header
    names = [c.id for c in items.base.criteria] if len(items) else criteria.ids()
    writer.writerow((*CSV_COLUMNS, *names, *CSV_TAIL))
    if not len(items):
        return
    learned = _learned(items, settings)

    def texts(first: int, step: int) -> Generator[str, None, None]:
        field = _CsvField()
        position = first * size
        for b in items.batches(size, first, step):
            slots = _csv_slots(b, position, field, settings, learned)
            n = len(b)
            del b  # the batch is not held while its lines are filled, nor the next one read
            lines = _csv_lines(slots, n)
            del slots
            lines.append("")  # the last line's end
            text = "\n".join(lines)
            del lines
            yield text
            del text
            position += step * size

    split = _apart(items, size, apart)
    write_batches(
        out, texts, _batch_count(items, size), apart=split, in_child=items.reopen_in_child
    )


def _csv_slots(
    b: Any, position: int, field: _CsvField, settings: Any, learned: Any
) -> list[tuple[str, Any]]:
    """How each column of a batch fills its lines (_csv_lines); its first
    account is at `position` of the listing (0-based)."""
    n = len(b)
    visit, phone = _values(b, settings, learned)
    columns: list[tuple[list[Any], type | None]] = [
        (list(range(position + 1, position + n + 1)), int),
        (b.ids, None),
        (b.detail["external_id"], None),
        ([c or "" for c in b.text["company"]], None),
        (b.text["site"], None),
        (b.text["city"], None),
        (b.ranks, None),
        ([f"{t:g}" for t in b.totals], str),
        *((scores, None) for _, scores, _, _, _ in b.breakdown),
        (b.stages, None),
        ([r or "unknown" for r in b.text["main_reason"]], None),
        (visit, int),
        (phone, int),
        (b.distance_km, None),
        (b.geo_precision, None),
        (b.months_dormant, None),
        (b.last_order_date, None),
        (b.next_followup, None),
    ]
    return [_csv_slot(values, field, kind) for values, kind in columns]
