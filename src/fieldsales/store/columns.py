"""What the ranking reads, without SQLAlchemy: column names and kinds, the
schema's column list, and the column arrays of the read path (store/lite.py
reads them with the standard library's sqlite3, store/queries.py through
SQLAlchemy; both give the same arrays).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain import criteria
from fieldsales.domain.vocab import UNDO

# Columns a ranking needs of every account to score, filter out and order
# them: numbers and dates only (fetching 100,000 rows is dominated by string
# decoding); the ranking adds the columns the score criteria read
# (domain/criteria.py), see rank_fields.
RANK_FIELDS = (
    "id",
    "lat",
    "lon",
    "lifetime_revenue",
    "last_order_date",
    "purchase_cycle_days",
    "do_not_contact",
)

# Text the list shows and filters or searches by: loaded for the rows shown
# (in batches), or for every account on the first filter or search by them.
LIST_FIELDS = (
    "company",
    "company_kana",
    "site",
    "prefecture",
    "city",
    "geo_precision",
    "owner_rep",
    "main_reason",
)


def rank_fields(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The columns a ranking fetches: RANK_FIELDS, those the criteria in effect
    read, then `extra`; each once."""
    return tuple(dict.fromkeys((*RANK_FIELDS, *criteria.columns_read(), *extra)))


def kept_rank_fields(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The columns a ranking fetches when the scores kept with the accounts
    stand in for the columns their criteria read (domain/score_cache.py):
    RANK_FIELDS, the kept scores, the columns of the criteria scored at each
    ranking, those whose raw value a kept criterion shows, then `extra`."""
    scored = [n for c in criteria.active() if not c.cached for n in c.reads]
    shown = [n for c in criteria.cached() if c.raw is not None for n in c.reads]
    return tuple(dict.fromkeys((*RANK_FIELDS, "static_scores", *scored, *shown, *extra)))


# Columns only a shown account needs; loaded in batches on first access.
DETAIL_FIELDS = (
    "external_id",
    "address",
    "postal_code",
    "industry",
    "contact_name",
    "phone",
    "average_order",
    "gross_margin",
    "last_product",
)


# The account columns read whole as numbers (floats, NaN for NULL) and as
# dates (ISO text, datetime64[D]); every other one is text. Kept equal to
# store/schema.py's types by tests/unit/test_schema_core.py.
ACCOUNT_NUMBERS = frozenset(
    {
        "lat",
        "lon",
        "lifetime_revenue",
        "average_order",
        "gross_margin",
        "purchase_cycle_days",
        "order_count",
        "do_not_contact",
    }
)
ACCOUNT_DATES = frozenset({"first_order_date", "last_order_date"})
# Text columns whose values are usually all of one width (the kept scores): read
# whole as one bytes array when they are (domain/score_cache.decode takes both)
FIXED_WIDTH_TEXT = frozenset({"static_scores"})

_NULL = "\x1e"  # stands for NULL in a column of text read whole


@dataclass(frozen=True)
class OutcomeColumns:
    """The outcomes in effect of some accounts as parallel arrays, oldest first
    (ties by outcome id), as outcome_events orders them."""

    account: npt.NDArray[np.intp]  # position of the account in the ids asked for
    occurred: npt.NDArray[np.datetime64]  # UTC, datetime64[us]
    result: npt.NDArray[np.str_]
    due: npt.NDArray[np.datetime64]  # next_action_due, datetime64[D] (NaT: none)
    # the channel of each event ("" for none); None where the reader left it out
    channel: npt.NDArray[np.str_] | None = None

    def __len__(self) -> int:
        return len(self.account)


def _empty_outcomes() -> OutcomeColumns:
    return OutcomeColumns(
        np.zeros(0, dtype=np.intp),
        np.zeros(0, dtype="datetime64[us]"),
        np.zeros(0, dtype="<U1"),
        np.zeros(0, dtype="datetime64[D]"),
    )


_ID_WIDTH = 36  # Account.id and Outcome.id: uuid4 text (max_length 36)
_TS_WIDTH = 26  # SQLAlchemy's SQLite DateTime text: "YYYY-MM-DD HH:MM:SS.ffffff"
_DATE_WIDTH = 10  # SQLAlchemy's SQLite Date text: "YYYY-MM-DD"
_NO_DUE = "0000-00-00"
_SEP = "\x1f"


class _IdIndex:
    """Positions of account ids, looked up for a whole column at once.

    Ids of 36 ASCII characters (uuid4 text) become 64-bit keys (_keys), so a
    million lookups are one searchsorted; the bytes are compared afterwards and
    any mismatch (a collision of keys, an unknown id) is settled by a dict.
    """

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = ids
        self._dict: dict[str, int] | None = None
        packed = getattr(ids, "raw", None)  # ids read as one S36 array (rank_blocks.IdColumn)
        if isinstance(packed, np.ndarray) and packed.dtype == np.dtype(f"S{_ID_WIDTH}"):
            self.fixed = True
            self._bytes = packed
            keys = _keys(packed)
            self._order = np.argsort(keys, kind="stable")
            self._keys = keys[self._order]
            return
        raw = "".join(ids).encode()
        # every id 36 ASCII characters (uuid4 text)
        # (every id 36 characters, and 36 bytes each in all: ASCII)
        self.fixed = len(raw) == _ID_WIDTH * len(ids) and (
            not ids or min(map(len, ids)) == max(map(len, ids)) == _ID_WIDTH
        )
        if self.fixed:
            self._bytes = np.frombuffer(raw, dtype=f"S{_ID_WIDTH}")
            keys = _keys(self._bytes)
            self._order = np.argsort(keys, kind="stable")
            self._keys = keys[self._order]

    def positions_of_bytes(self, wanted: npt.NDArray[np.bytes_]) -> npt.NDArray[np.intp]:
        """Positions of 36-byte ids; -1 for an unknown one."""
        if not len(self.ids):
            return np.full(len(wanted), -1, dtype=np.intp)
        keys = _keys(wanted)
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        pos = self._order[at]
        ok = self._bytes[pos] == wanted
        out = np.where(ok, pos, -1).astype(np.intp)
        for k in np.flatnonzero(~ok):  # unknown ids, or a collision of keys
            out[k] = self.position(wanted[k].decode())
        return out

    def positions(self, wanted: Sequence[str]) -> npt.NDArray[np.intp]:
        return np.fromiter(map(self.position, wanted), dtype=np.intp, count=len(wanted))

    def positions_of_text(self, wanted: Sequence[str]) -> npt.NDArray[np.intp]:
        """Positions of ids given as text; -1 for an unknown one. Uuid4 ids
        (36 ASCII characters each) go through positions_of_bytes, no dict."""
        if self.fixed and wanted:
            raw = "".join(wanted).encode()
            if len(raw) == _ID_WIDTH * len(wanted) and min(map(len, wanted)) == _ID_WIDTH:
                return self.positions_of_bytes(np.frombuffer(raw, dtype=f"S{_ID_WIDTH}"))
        return self.positions(wanted)

    def position(self, account_id: str) -> int:
        if self._dict is None:
            self._dict = {aid: i for i, aid in enumerate(self.ids)}
        return self._dict.get(account_id, -1)


# an id's 36 bytes seen as four 64-bit words and one 32-bit word
_ID_WORDS = np.dtype([("a", "<u8"), ("b", "<u8"), ("c", "<u8"), ("d", "<u8"), ("e", "<u4")])


IdIndex = _IdIndex  # the index a ranking keeps (RankBase.id_keys) and passes back in


def _keys(fixed: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """A 64-bit key of each 36-byte id: its words multiplied by odd constants
    and summed (wrapping). Equal ids have equal keys; the caller compares the
    bytes of the match, so a collision costs a dict lookup, not a wrong answer."""
    w = np.ascontiguousarray(fixed).view(_ID_WORDS)
    key = w["a"] * np.uint64(0x9E3779B97F4A7C15)
    key += w["b"] * np.uint64(0xC2B2AE3D27D4EB4F)
    key += w["c"] * np.uint64(0x165667B19E3779F9)
    key += w["d"] * np.uint64(0xD6E8FEB86659FD93)
    key += w["e"].astype(np.uint64) * np.uint64(0xFF51AFD7ED558CCD)
    return key


def _fixed_width(text: bytes, m: int, width: int) -> npt.NDArray[np.bytes_] | None:
    """The m values of `text` (each followed by _SEP) as an S<width> array, or
    None unless every value is exactly `width` bytes long."""
    if len(text) != m * (width + 1):
        return None
    cells = np.frombuffer(text, dtype=np.uint8).reshape(m, width + 1)
    sep = ord(_SEP)
    if not (cells[:, width] == sep).all() or (cells[:, :width] == sep).any():
        return None
    return np.ascontiguousarray(cells[:, :width]).view(f"S{width}").reshape(m)


def _named_in(ids: npt.NDArray[np.bytes_], names: set[str]) -> npt.NDArray[np.bool_]:
    """Which of the 36-byte `ids` are in `names` (a few thousand at most)."""
    wanted = [n.encode() for n in names]
    wanted = [n for n in wanted if len(n) == _ID_WIDTH]  # others match no 36-byte id
    if not wanted:
        return np.zeros(len(ids), dtype=bool)
    sought = np.sort(_keys(np.array(wanted, dtype=f"S{_ID_WIDTH}")))
    keys = _keys(ids)
    maybe = sought[np.minimum(np.searchsorted(sought, keys), len(sought) - 1)] == keys
    exact = set(wanted)
    for k in np.flatnonzero(maybe):  # keys can collide: compare the ids themselves
        maybe[k] = ids[k] in exact
    return maybe


def _time_then_id(occurred: npt.NDArray[np.datetime64], ids: npt.NDArray[Any]) -> Any:
    """The order by (occurred, id): a sort on time, then the rare ties by id
    (which decide their whole order, so the first sort need not be stable)."""
    order = np.argsort(occurred)
    t = occurred[order]
    same = t[1:] == t[:-1]
    if same.any():
        tied = np.flatnonzero(np.concatenate(([False], same)) | np.concatenate((same, [False])))
        sub = order[tied]
        keys: Any = ids[sub]
        if keys.dtype.kind != "S":  # ASCII bytes (uuid text) sort as their text does
            keys = np.array([i.decode() if isinstance(i, bytes) else i for i in keys], dtype=str)
        order[tied] = sub[np.lexsort((keys, t[tied]))]
    return order


# Every table and column of the models at HEAD_REVISION (store/db.py), for the
# check on opening; tests/unit/test_schema_core.py keeps it equal to models.py.
SCHEMA_COLUMNS: dict[str, tuple[str, ...]] = {
    "account": (
        "id",
        "external_id",
        "match_key",
        "company",
        "company_kana",
        "site",
        "postal_code",
        "prefecture",
        "city",
        "address",
        "lat",
        "lon",
        "geo_precision",
        "geo_source",
        "industry",
        "contact_name",
        "contact_title",
        "phone",
        "email",
        "owner_rep",
        "lifetime_revenue",
        "average_order",
        "gross_margin",
        "first_order_date",
        "last_order_date",
        "last_product",
        "purchase_cycle_days",
        "order_count",
        "main_reason",
        "other_reasons",
        "reason_solvable",
        "competitor_status",
        "competitor_name",
        "digital_responsiveness",
        "do_not_contact",
        "notes",
        "closed_weekdays",
        "opens_at",
        "closes_at",
        "static_scores",
        "import_digest",
        "created_at",
        "updated_at",
    ),
    "geocode_cache": (
        "key",
        "found",
        "lat",
        "lon",
        "precision",
        "source",
        "display_name",
        "fetched_at",
        "suspicious",
        "offset_km",
    ),
    "model_fit": (
        "fingerprint",
        "params",
        "created_at",
    ),
    "route": (
        "id",
        "rep",
        "day",
        "status",
        "start_label",
        "start_lat",
        "start_lon",
        "end_label",
        "end_lat",
        "end_lon",
        "planned_score",
        "planned_km",
        "planned_minutes",
        "planned_revenue",
        "planned_cost",
        "planned_roi_pct",
        "actual_km",
        "actual_cost",
        "notes",
        "created_at",
        "updated_at",
    ),
    "sync_outbox": (
        "seq",
        "op_id",
        "kind",
        "ref_id",
        "payload",
        "created_at",
    ),
    "sync_state": (
        "key",
        "value",
    ),
    "account_change": (
        "id",
        "account_id",
        "field",
        "old_value",
        "new_value",
        "source",
        "changed_at",
    ),
    "account_order": (
        "id",
        "account_id",
        "order_date",
        "amount",
        "order_number",
        "order_key",
        "product",
        "source",
        "created_at",
    ),
    "route_stop": (
        "id",
        "route_id",
        "account_id",
        "seq",
        "planned_arrival",
        "planned_departure",
        "leg_km",
        "leg_minutes",
        "score",
        "in_window",
        "locked",
        "pinned",
        "status",
        "actual_arrival",
        "actual_departure",
        "created_at",
        "updated_at",
    ),
    "outcome": (
        "id",
        "account_id",
        "rep",
        "channel",
        "occurred_at",
        "visit_stage",
        "result",
        "next_action",
        "next_action_due",
        "order_amount",
        "cost",
        "duration_minutes",
        "notes",
        "route_stop_id",
        "supersedes",
        "created_at",
    ),
    "team_publication": (
        "id",
        "kind",
        "version",
        "body",
        "digest",
        "source",
        "published_by",
        "published_at",
    ),
}


def number_columns(numeric: Sequence[str], rows: Any) -> dict[str, Any] | None:
    """Rows of the `numeric` columns (one tuple per account) as one float array
    per column (NaN for NULL); {} for no rows; None when a value is not a number."""
    try:
        values = np.array(rows, dtype=float)
    except (TypeError, ValueError):
        return None
    return {n: values[:, k].copy() for k, n in enumerate(numeric)} if len(values) else {}


def whole_columns(
    names: Sequence[str],
    numbers: Mapping[str, Any],
    m: int,
    joined: Mapping[str, str],
    dates: Collection[str],
) -> dict[str, Any] | None:
    """Every column of `names` from the number arrays (number_columns) and, for
    each text column, its m values read whole as one text (text_column; `dates`
    are date columns). None when a text does not fit the form or the two reads
    disagree on the count of accounts (the caller reads rows instead)."""
    if not m:
        return {n: () for n in names}
    if any(len(v) != m for v in numbers.values()):
        return None
    out = dict(numbers)
    for n, blob in joined.items():
        column = text_column(blob, m, n in dates, n in FIXED_WIDTH_TEXT)
        if column is None:
            return None
        out[n] = column
    return {n: out[n] for n in names}


def text_column(blob: str, m: int, date: bool, fixed: bool = False) -> Any:
    """A column of m values read whole as one text (each value followed by
    _SEP; NULL as _NULL, a missing date as _NO_DUE): a date column as a
    datetime64[D] array (NaT), any other as a list of str (None). None when a
    value does not fit the form (a separator inside a text, a bad date).

    `fixed`: when every value is ASCII text of one width (no NULL), the column
    comes as one S<width> array instead, without a Python object per value."""
    if fixed and m and len(blob) % m == 0 and len(blob) // m > 1 and _NULL not in blob:
        raw = blob.encode()
        if len(raw) == len(blob):  # ASCII
            cells = _fixed_width(raw, m, len(blob) // m - 1)
            if cells is not None:
                return cells
    if date:
        cells = _fixed_width(blob.encode(), m, _DATE_WIDTH)
        if cells is None:
            return None
        days = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
        known = cells != _NO_DUE.encode()
        try:
            days[known] = cells[known].astype("datetime64[D]")
        except ValueError:  # text numpy does not read as a date
            return None
        return days
    parts: list[Any] = blob.split(_SEP)
    if len(parts) != m + 1:
        return None
    del parts[m]
    if _NULL in blob:
        parts = [None if v == _NULL else v for v in parts]
    return parts


def outcome_arrays(
    texts: Sequence[Any], superseded: set[str], index: _IdIndex
) -> tuple[OutcomeColumns, npt.NDArray[np.bytes_]] | None:
    """The outcome log read whole as one row of texts (count, then account ids,
    occurred_at, result, next_action_due, outcome ids and channels, each as
    bytes with every value followed by _SEP), unsorted, and the outcome ids;
    None when a value does not have the width or form SQLAlchemy writes.

    in_effect() is applied here with the same rule in numpy: an undo, or an
    event named in `superseded`, gets account -1, which the caller drops as
    it drops unknown accounts."""
    m, acc_text, occ_text, res_text, due_text, id_text, chan_text = texts
    if not m:
        return _empty_outcomes(), np.zeros(0, dtype=f"S{_ID_WIDTH}")
    acc = _fixed_width(acc_text, m, _ID_WIDTH)
    occ = _fixed_width(occ_text, m, _TS_WIDTH)
    due = _fixed_width(due_text, m, _DATE_WIDTH)
    ids = _fixed_width(id_text, m, _ID_WIDTH)
    results = res_text.decode().split(_SEP)
    channels = chan_text.decode().split(_SEP)
    if acc is None or occ is None or due is None or ids is None or len(results) != m + 1:
        return None
    if len(channels) != m + 1:
        return None
    try:
        occurred = occ.astype("datetime64[us]")
        has_due = due != _NO_DUE.encode()
        due_days = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
        due_days[has_due] = due[has_due].astype("datetime64[D]")
    except ValueError:  # text numpy does not read as a date
        return None
    result = np.array(results[:m], dtype=str)
    channel = np.array(channels[:m], dtype=str)
    del results, channels
    account = (
        index.positions_of_bytes(acc) if index.fixed else index.positions([a.decode() for a in acc])
    )
    # events not in effect get no account: the caller drops them with the others
    account[(result == UNDO) | _named_in(ids, superseded)] = -1
    return OutcomeColumns(account, occurred, result, due_days, channel), ids


def in_time_order(cols: OutcomeColumns, tie_ids: npt.NDArray[Any]) -> OutcomeColumns:
    """The events of known accounts, oldest first, ties by outcome id."""
    order = _time_then_id(cols.occurred, tie_ids)
    order = order[cols.account[order] >= 0]
    return OutcomeColumns(
        cols.account[order],
        cols.occurred[order],
        cols.result[order],
        cols.due[order],
        None if cols.channel is None else cols.channel[order],
    )


_EPOCH = np.datetime64("1970-01-01", "D")
_EPOCH_DATE = date(1970, 1, 1)


@dataclass
class OrderArrays:
    """Every order of some accounts, sorted by account then day.

    `group` is the position of the order's account in `ids`; `day` days since
    1970-01-01; `imported` False for an order logged as an outcome.
    """

    ids: list[str]
    group: npt.NDArray[np.intp]
    day: npt.NDArray[np.int64]
    amount: npt.NDArray[np.int64]
    imported: npt.NDArray[np.bool_]

    def starts(self) -> npt.NDArray[np.intp]:
        """The first position of each account's orders (every account has one)."""
        if not len(self.group):
            return np.zeros(0, dtype=np.intp)
        change = np.flatnonzero(self.group[1:] != self.group[:-1]) + 1
        return np.concatenate(([0], change)).astype(np.intp)


def _day_numbers(texts: Sequence[Any]) -> npt.NDArray[np.int64]:
    """ISO dates (text on SQLite, date on PostgreSQL) -> days since 1970-01-01."""
    arr = np.array([str(t) for t in texts], dtype="datetime64[D]")
    return (arr - _EPOCH).astype(np.int64)


def order_arrays_empty() -> OrderArrays:
    empty = np.zeros(0, dtype=np.int64)
    return OrderArrays([], np.zeros(0, dtype=np.intp), empty, empty, np.zeros(0, dtype=bool))


def with_logged(
    index: dict[str, int],
    group: npt.NDArray[np.intp],
    day: npt.NDArray[np.int64],
    amount: npt.NDArray[np.int64],
    logged: Sequence[tuple[str, int, int]],
) -> OrderArrays:
    """The imported orders (group: position in `index`) and the orders logged as
    outcomes (account id, day number, amount), sorted by account then day
    (churn.by_group_then_day: np.lexsort((day, group)) as one stable sort)."""
    imported = np.ones(len(group), dtype=bool)
    if logged:
        lg, ld, la = zip(*logged, strict=True)
        group = np.concatenate((group, np.array([index[a] for a in lg], dtype=np.intp)))
        day = np.concatenate((day, np.array(ld, dtype=np.int64)))
        amount = np.concatenate((amount, np.array(la, dtype=np.int64)))
        imported = np.concatenate((imported, np.zeros(len(lg), dtype=bool)))
    from fieldsales.domain.churn import by_group_then_day  # the config model: not for every ranking

    order = by_group_then_day(group, day)
    return OrderArrays(list(index), group[order], day[order], amount[order], imported[order])


def logged_days(found: Sequence[Any]) -> list[tuple[str, int, int]]:
    """(account id, day number, amount) of orders logged as outcomes read as
    (account id, occurred_at as an aware UTC datetime, order_amount)."""
    return [(a, (t.date() - _EPOCH_DATE).days, int(amount or 0)) for a, t, amount in found]


def fit_hash(facts: Sequence[Any], config: str) -> str:
    """The kept fit's fingerprint: the order facts (orders.fit_fingerprint) and config."""
    text = "|".join(str(v) for v in (*facts, config))
    return hashlib.sha256(text.encode()).hexdigest()
