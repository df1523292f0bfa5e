"""The ranked table: column arrays of every account, views built on access.

Stage, distance and the weighted score are computed for all accounts at once
with numpy; RankTable is a filtered, ordered view over them that builds a
RankedAccount only for the rows asked for. Fields only a shown account needs
(address, phone, ...) load in batches on first access.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from fieldsales.config import Settings
from fieldsales.domain import criteria, score_cache
from fieldsales.domain.clock import utc_offset_minutes
from fieldsales.domain.contact import contact_many
from fieldsales.domain.dormancy import DAYS_PER_MONTH, stages_many
from fieldsales.domain.scoring import (
    ScoreResult,
    max_points_of,
    ranks_of,
    result_from_row,
    score_matrix,
    weighted_parts,
)
from fieldsales.domain.text import fold, fold_many, phone_digits, romaji_many
from fieldsales.geo.distance import haversine_many
from fieldsales.services.rank_search import search_matches
from fieldsales.store import reads
from fieldsales.store.columns import DETAIL_FIELDS, LIST_FIELDS, IdIndex, OutcomeColumns

if TYPE_CHECKING:
    from fieldsales.store.reads import Source

_DETAIL_NAMES = DETAIL_FIELDS
_LIST_NAMES = LIST_FIELDS
_BATCH = 500  # accounts whose list and detail fields load in one query
# the kept criteria's scores of every account, current, as an (n, k) array
# (rank_accounts passes them in from store/rank_blocks.py)
KEPT_SCORES = "kept_scores"


class RankedAccount:
    """One ranked account. List fields are set at once; detail fields
    (external_id, address, postal_code, industry, contact_name, phone,
    average_order, gross_margin, last_product) load on first access."""

    __slots__ = (
        "_details",
        "_table",
        "city",
        "company",
        "company_kana",
        "distance_km",
        "do_not_contact",
        "geo_precision",
        "id",
        "last_contact",
        "last_order_date",
        "lat",
        "lifetime_revenue",
        "lon",
        "main_reason",
        "months_dormant",
        "next_followup",
        "owner_rep",
        "paused_until",
        "prefecture",
        "score",
        "site",
        "stage",
    )

    id: str
    company: str
    company_kana: str | None
    site: str | None
    prefecture: str | None
    city: str | None
    lat: float | None
    lon: float | None
    geo_precision: str
    owner_rep: str | None
    lifetime_revenue: int
    last_order_date: date | None
    main_reason: str
    do_not_contact: bool
    stage: str
    months_dormant: float | None
    distance_km: float | None
    score: ScoreResult
    last_contact: date | None
    next_followup: date | None
    paused_until: date | None

    def __init__(self, table: RankBase | None, **fields: Any) -> None:
        self._table = table
        self._details: tuple[Any, ...] | None = None
        for k, v in fields.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        return f"RankedAccount({self.company!r}, {self.score.rank} {self.score.total:g})"

    @property
    def total(self) -> float:
        return self.score.total

    @property
    def rank(self) -> str:
        return self.score.rank

    def is_paused(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until > today

    def _detail(self, name: str) -> Any:
        if self._details is None:
            if self._table is None:
                return None
            self._table.load_details(self)
        assert self._details is not None
        return self._details[_DETAIL_NAMES.index(name)]

    external_id = property(lambda self: self._detail("external_id"))
    address = property(lambda self: self._detail("address"))
    postal_code = property(lambda self: self._detail("postal_code"))
    industry = property(lambda self: self._detail("industry"))
    contact_name = property(lambda self: self._detail("contact_name"))
    phone = property(lambda self: self._detail("phone"))
    average_order = property(lambda self: self._detail("average_order"))
    gross_margin = property(lambda self: self._detail("gross_margin"))
    last_product = property(lambda self: self._detail("last_product"))


@dataclass
class RankFilter:
    ranks: Sequence[str] = ()
    stages: Sequence[str] = ()
    reasons: Sequence[str] = ()
    prefectures: Sequence[str] = ()
    cities: Sequence[str] = ()
    owner: str | None = None
    within_km: float | None = None
    due_followups: bool = False  # only follow-ups due today or overdue
    search: str = ""  # company / kana / site, width-, case- and kana-insensitive
    show_all: bool = False  # include do-not-contact and paused accounts


def _nan_array(values: Sequence[Any]) -> npt.NDArray[np.float64]:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values  # read as a whole column already (queries.rank_columns)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


class RankBase:
    """Column arrays of every ranked account, shared by all views."""

    def __init__(
        self,
        columns: Mapping[str, Sequence[Any]],
        outcomes: OutcomeColumns,
        settings: Settings,
        *,
        origin: tuple[float, float],
        today: date,
        engine: Source | None,
    ) -> None:
        """`columns`: account column name -> its values (queries.rank_columns).

        The list's text columns (queries.LIST_FIELDS) may be left out: they
        then load for the rows built (get, in batches of the view being
        iterated) or, for every account, on the first access of the whole
        column (a filter or search by them)."""
        # the kept criteria's scores, current (store/rank_blocks.py): not a column
        self._kept_scores = columns.get(KEPT_SCORES)
        if self._kept_scores is not None:
            columns = {k: v for k, v in columns.items() if k != KEPT_SCORES}
        self.columns = columns
        self.outcomes = outcomes  # the events in effect, for views computed later (early warning)
        self.ids: Sequence[str] = columns["id"]
        self._text: dict[str, Sequence[Any]] = {n: columns[n] for n in _LIST_NAMES if n in columns}
        self._rows: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.criteria = criteria.active()
        self.engine = engine
        self.extra: dict[str, Sequence[Any]] = {}  # more columns fetched with the ranking
        self._columns: dict[str, Any] = {}  # per-ranking arrays built on first use
        self.settings = settings
        self.today = today
        n = len(self.ids)
        self.n = n
        self.lat = _nan_array(columns["lat"])
        self.lon = _nan_array(columns["lon"])
        self.revenue = _nan_array(columns["lifetime_revenue"])
        self.dnc = np.array(columns["do_not_contact"], dtype=bool)
        dist = haversine_many(origin[0], origin[1], self.lat, self.lon) if n else np.zeros(0)
        self.distance = dist
        # Dates arrive as ISO text; convert the column at once.
        read: Any = columns["last_order_date"]
        if isinstance(read, np.ndarray) and read.dtype.kind == "M":
            orders: npt.NDArray[np.datetime64] = read
        else:
            orders = np.array([v or "NaT" for v in read], dtype="datetime64[D]")
        days = (np.datetime64(today, "D") - orders).astype(float)
        days[np.isnat(orders)] = np.nan  # never ordered: NaT's difference is no number
        self.last_order = orders
        self.months = np.maximum(days / DAYS_PER_MONTH, 0.0)
        self._apply_outcomes(outcomes, columns["purchase_cycle_days"], settings)
        scfg = settings.scoring
        # what the criteria score: the columns, numeric ones as arrays, and the
        # facts derived for this day and reference point
        self.facts: dict[str, Any] = {
            **columns,
            "lat": self.lat,
            "lon": self.lon,
            "lifetime_revenue": self.revenue,
            criteria.MONTHS_DORMANT: self.months,
            criteria.DISTANCE_KM: dist,
        }
        self.matrix = self._score_matrix(columns, scfg)
        self.totals, self.points, _ = weighted_parts(self.matrix, scfg, self.criteria)
        self._max_points: npt.NDArray[np.float64] | None = None
        self.ranks = ranks_of(self.totals, scfg)
        self._order: npt.NDArray[np.intp] | None = None  # built on first use (order)
        self._search: list[str] | None = None
        self._objects: dict[int, RankedAccount] = {}
        self._pending: list[RankedAccount] = []

    # What belongs to the process a ranking was made in: not handed to another
    # one (portable), given anew there (adopt).
    _PROCESS_BOUND = ("criteria", "engine", "settings", "_max_points")

    def portable(self) -> dict[str, Any]:
        """This ranking's columns, arrays and caches, for another process to
        adopt: all but what belongs to this one (the database connection, the
        criteria's functions, the settings object)."""
        state = {k: v for k, v in self.__dict__.items() if k not in self._PROCESS_BOUND}
        state["_kept_scores"] = None  # read by __init__ only (the matrix holds them now)
        # rows built here are this base's objects: the other process builds its own
        state["_objects"], state["_pending"] = {}, []
        return state

    @classmethod
    def adopt(cls, state: dict[str, Any], settings: Settings, engine: Source | None) -> RankBase:
        """A ranking made in another process (its `portable()`), for these
        settings (the values it was made with) and this process's engine."""
        base = cls.__new__(cls)
        base.__dict__.update(state)
        base.criteria = criteria.active()
        base.engine = engine
        base.settings = settings
        base._max_points = None
        return base

    @property
    def max_points(self) -> npt.NDArray[np.float64]:
        """Each criterion's most points per account (built when first asked)."""
        if self._max_points is None:  # from the scores as they are now (splice)
            self._max_points = max_points_of(self.matrix, self.settings.scoring, self.criteria)
        return self._max_points

    def rescored_max_points(self, i: int, one: RankBase) -> None:
        """Account i re-scored as `one` (a base of it alone; rank_update.splice).
        An array not built yet is built from the scores when first asked."""
        if self._max_points is not None:
            self._max_points[i, :] = one.max_points[0, :]

    def max_points_at(self, i: int) -> npt.NDArray[np.float64]:
        """max_points[i], without building every account's for a few rows (the
        first screen's rows: ~10 ms at 100,000 accounts for the whole array)."""
        if self._max_points is not None:
            return self._max_points[i]
        return max_points_of(self.matrix[i : i + 1], self.settings.scoring, self.criteria)[0]

    @property
    def order(self) -> npt.NDArray[np.intp]:
        """Every account's position, best first: total descending, then nearest,
        then as stored (a million accounts take ~0.15 s: built when first asked)."""
        if self._order is None:
            self._order = np.lexsort((np.nan_to_num(self.distance, nan=np.inf), -self.totals))
        return self._order

    @order.setter
    def order(self, value: npt.NDArray[np.intp]) -> None:
        self._order = value

    def best(self, positions: npt.NDArray[np.intp], top: int) -> npt.NDArray[np.intp]:
        """The first `top` of `positions` in the order of `order` (the same
        accounts, in the same order), without ordering them all."""
        if top < len(positions):
            worse = -self.totals[positions]
            cut = np.partition(worse, top - 1)[top - 1]
            positions = positions[worse <= cut]  # the top, and those tied with the last
        dist = np.nan_to_num(self.distance[positions], nan=np.inf)
        ranked = positions[np.lexsort((positions, dist, -self.totals[positions]))]
        return ranked[:top]

    def _score_matrix(self, columns: Mapping[str, Sequence[Any]], scfg: Any) -> Any:
        """The (n, k) scores: those kept with the accounts where they are current
        (domain/score_cache.py), the others computed now; stale kept scores are
        computed from the accounts' columns and kept again (store/scores.py)."""
        chosen = self.criteria
        kept_criteria = [c for c in chosen if c.cached]
        if self._kept_scores is not None and kept_criteria:
            # current for every account (store/rank_blocks.py)
            kept: Any = self._kept_scores
            stale = np.zeros(self.n, dtype=bool)
        elif "static_scores" not in columns or not kept_criteria:
            return score_matrix(self.facts, scfg, chosen)
        else:
            fp = score_cache.fingerprint(scfg, kept_criteria)
            kept, stale = score_cache.decode(columns["static_scores"], fp, len(kept_criteria))
        if stale.any() and self.engine is not None:
            got: list[tuple[Sequence[str], Any]] = []

            def compute(cols: Mapping[str, Sequence[Any]]) -> list[str | None]:
                m, texts = score_cache.score_columns(cols, scfg, kept_criteria)
                got.append((cols["id"], m))
                return texts

            where = np.flatnonzero(stale)
            # many stale (a new base, a new config): read whole columns instead of by id
            every = len(where) > self.n // 10
            wanted = None if every else [self.ids[int(i)] for i in where]
            needed = score_cache.columns_read(kept_criteria)
            from fieldsales.store import scores

            scores.score_stale(reads.as_engine(self.engine), wanted, needed, compute)
            for got_ids, m in got:
                if every and list(got_ids) == list(self.ids):  # the same rows, in order
                    kept[where] = m[where]
                    continue
                index = self.id_index()
                pos = np.fromiter((index.get(a, -1) for a in got_ids), dtype=np.intp)
                found = pos >= 0
                kept[pos[found]] = m[found]
        m = np.empty((self.n, len(chosen)), dtype=float)
        k = 0
        for j, c in enumerate(chosen):
            if c.cached:
                m[:, j] = kept[:, k]
                k += 1
            else:
                m[:, j] = c.score(self.facts, scfg)
        return m

    def _apply_outcomes(
        self,
        outcomes: OutcomeColumns,
        cycle: Sequence[Any],
        settings: Settings,
    ) -> None:
        """Stage and contact state from the outcome log, all accounts at once.

        `outcomes` are in time order with `account` a position in self.ids
        (queries.outcome_columns)."""
        # Outcome times are UTC; the rep's calendar day is in config `timezone`. One
        # offset for the run instead of astimezone() per event.
        offset = timedelta(minutes=utc_offset_minutes(settings.zone()))
        shift = np.timedelta64(offset // timedelta(microseconds=1), "us")
        acc = outcomes.account
        day = (outcomes.occurred + shift).astype("datetime64[D]")
        res = outcomes.result
        due = outcomes.due
        self.stage = stages_many(
            self.last_order, _nan_array(cycle), self.today, acc, day, res, settings.dormancy
        )
        positive_results = settings.dormancy.positive_results
        self.contact = contact_many(self.n, acc, day, res, due, settings.phone, positive_results)
        # a positive reaction logged since the last order (lets a △ account in,
        # docs/method.md#channel-fit)
        positive = np.isin(res, list(positive_results))
        after = np.isnat(self.last_order[acc]) | (day > self.last_order[acc]) if len(acc) else acc
        self.positive = np.zeros(self.n, dtype=bool)
        if len(acc):
            self.positive[acc[positive & after]] = True
        self.followup = self.contact.next_followup
        self.paused = self.contact.paused_until

    def search_keys(self) -> list[str]:
        """Folded company + kana + site, built once on the first search."""
        if self._search is None:
            self._search = fold_many(
                f"{c} {k or ''} {s or ''}"
                for c, k, s in zip(self.company, self.kana, self.site, strict=True)
            )
        return self._search

    def find_keys(self) -> list[str]:
        """What the search box finds an account by, folded: company, kana, site,
        contact name and account id (the external one the rep sees, C00042; not the
        internal UUID, whose hex digits would match any short search). Built once,
        on the first search (the warm-up after the first paint)."""
        return self.cached("find_keys", self._build_find_keys)

    def _details(self) -> dict[str, tuple[str | None, str | None, str | None]]:
        def load() -> dict[str, tuple[str | None, str | None, str | None]]:
            if self.engine is None:
                return {}
            from fieldsales.store import queries, unit

            with unit.reading(self.engine) as session:
                return queries.search_details(session)

        return self.cached("search_details", load)

    def _build_find_keys(self) -> list[str]:
        details, none = self._details(), (None, None, None)
        people = fold_many(
            " ".join((ext or "", contact or ""))
            for ext, contact, _ in (details.get(a, none) for a in self.ids)
        )
        return [key + "\x00" + p for key, p in zip(self.search_keys(), people, strict=True)]

    def phone_keys(self) -> list[str]:
        """Phone numbers as digits only, +81 read as the leading 0."""
        details, none = self._details(), (None, None, None)
        return self.cached(
            "phone_keys", lambda: [phone_digits(details.get(a, none)[2]) for a in self.ids]
        )

    def romaji_keys(self) -> list[str]:
        """Company, kana and site in romaji (pykakasi, Hepburn, long vowels shortened):
        built on the first search typed in latin letters only."""
        return self.cached(
            "romaji_keys",
            lambda: romaji_many(
                f"{c} {k or ''} {s or ''}"
                for c, k, s in zip(self.company, self.kana, self.site, strict=True)
            ),
        )

    def computed(self) -> set[str]:
        """The names of what `cached` holds already."""
        return set(self._columns)

    def cached(self, name: str, build: Any) -> Any:
        if name not in self._columns:
            self._columns[name] = build()
        return self._columns[name]

    def id_index(self) -> dict[str, int]:
        return self.cached("id_index", lambda: dict(zip(self.ids, range(self.n), strict=True)))

    def id_keys(self) -> IdIndex:
        """The ids indexed for lookups of a whole column at once (no dict of a
        million ids): queries.IdIndex.positions_of_text."""
        return self.cached("id_keys", lambda: IdIndex(self.ids))

    def sort_key(self, column: str) -> Any:
        """A numpy array ordering all accounts by `column` (ascending = natural)."""

        def text(values: Sequence[Any] | npt.NDArray[Any]) -> Any:
            # "\uffff" puts missing values last in ascending order
            return np.array([v or "\uffff" for v in values], dtype=str)

        keys = {
            "rank": lambda: self.ranks,
            "score": lambda: -self.totals,
            "company": lambda: np.array(self.search_keys(), dtype=str),
            "distance": lambda: np.nan_to_num(self.distance, nan=np.inf),
            "months": lambda: np.nan_to_num(self.months, nan=np.inf),
            "last_order": lambda: self.last_order,
            "followup": lambda: self.followup,
            "city": lambda: text(self.city),
            "stage": lambda: text(self.stage),
            "reason": lambda: text(self.reason),
        }
        if column not in keys:
            raise ValueError(f"cannot sort by {column!r}; choose from {', '.join(keys)}")
        return self.cached(f"sort:{column}", keys[column])

    # The list's text columns, each loaded for every account on first access.
    company = property(lambda self: self.text_column("company"))
    kana = property(lambda self: self.text_column("company_kana"))
    site = property(lambda self: self.text_column("site"))
    prefecture = property(lambda self: self.text_column("prefecture"))
    city = property(lambda self: self.text_column("city"))
    precision = property(lambda self: self.text_column("geo_precision"))
    owner = property(lambda self: self.text_column("owner_rep"))
    reason = property(lambda self: self.text_column("main_reason"))

    def text_column(self, name: str) -> Sequence[Any]:
        """One of queries.LIST_FIELDS for every account, in `ids` order: all of
        them load in one query the first time one is asked for."""
        if name not in self._text:
            self._load_text()
        return self._text[name]

    def _load_text(self) -> None:
        names = ("id", *_LIST_NAMES)
        loaded: dict[str, tuple[Any, ...]] = {n: () for n in names}
        if self.engine is not None and self.n:
            loaded = reads.rank_columns(self.engine, names=names)
        where = self.id_index()
        # the same rows, in this base's order (an account added since is left out;
        # one deleted since gets empty text)
        pos = np.fromiter((where.get(a, -1) for a in loaded["id"]), dtype=np.intp)
        keep = pos >= 0
        for name in _LIST_NAMES:
            column: list[Any] = [None] * self.n
            values = loaded[name]
            for k in np.flatnonzero(keep):
                column[pos[k]] = values[k]
            if name in ("company", "geo_precision", "main_reason"):  # NOT NULL columns
                fill = {"company": "", "geo_precision": "none", "main_reason": "unknown"}[name]
                column = [fill if v is None else v for v in column]
            self._text[name] = column

    def prefetch(self, positions: Sequence[int] | npt.NDArray[np.intp]) -> None:
        """Load the list and detail fields of these accounts in batched queries
        (those not loaded yet), so building them costs no query per account."""
        need = [int(i) for i in positions if int(i) not in self._rows]
        if not need or self.engine is None:
            return
        fields = (*_LIST_NAMES, *_DETAIL_NAMES)
        found = reads.account_details(self.engine, [self.ids[i] for i in need], fields)
        empty = (None,) * len(fields)
        k = len(_LIST_NAMES)
        for i in need:
            row = found.get(self.ids[i], empty)
            self._rows[i] = (row[:k], row[k:])

    def _list_row(self, i: int) -> tuple[Any, ...]:
        if len(self._text) == len(_LIST_NAMES):
            return tuple(self._text[n][i] for n in _LIST_NAMES)
        if i not in self._rows:
            self.prefetch([i])
        row = self._rows.get(i)
        return row[0] if row is not None else (None,) * len(_LIST_NAMES)

    def get(self, i: int) -> RankedAccount:
        obj = self._objects.get(i)
        if obj is not None:
            return obj
        obj = self.build(i)
        self._objects[i] = obj
        if obj._details is None:
            self._pending.append(obj)
        return obj

    def build(self, i: int) -> RankedAccount:
        """Account i as a RankedAccount, not kept (a listing of every account
        builds each once and lets it go)."""
        months = self.months[i]
        dist = self.distance[i]
        contact = self.contact.state(i)
        lo = self.last_order[i]
        raw = {c.id: c.raw(self.facts, i) for c in self.criteria if c.raw is not None}
        score = result_from_row(
            self.matrix[i], self.points[i], self.max_points_at(i), float(self.totals[i]),
            self.settings.scoring, raw, self.criteria,
        )  # fmt: skip
        company, kana, site, prefecture, city, precision, owner, reason = self._list_row(i)
        obj = RankedAccount(
            self,
            id=self.ids[i],
            company=company or "",
            company_kana=kana,
            site=site,
            prefecture=prefecture,
            city=city,
            lat=None if np.isnan(self.lat[i]) else float(self.lat[i]),
            lon=None if np.isnan(self.lon[i]) else float(self.lon[i]),
            geo_precision=(precision or "none") if not np.isnan(dist) else "none",
            owner_rep=owner,
            lifetime_revenue=int(0 if np.isnan(self.revenue[i]) else self.revenue[i]),
            last_order_date=None if np.isnat(lo) else lo.astype(date),
            main_reason=reason or "unknown",
            do_not_contact=bool(self.dnc[i]),
            stage=self.stage[i],
            months_dormant=None if np.isnan(months) else float(months),
            distance_km=None if np.isnan(dist) else float(dist),
            score=score,
            last_contact=contact.last_contact,
            next_followup=contact.next_followup,
            paused_until=contact.paused_until,
        )
        if i in self._rows:
            obj._details = self._rows[i][1]
        return obj

    def listing(self, positions: npt.NDArray[np.intp]) -> Listing:
        """These accounts as columns of plain values (the fields of RankedAccount
        a listing shows), built with numpy for the whole batch."""
        from fieldsales.services.rank_listing import prefetched

        self.prefetch(positions)
        return prefetched(self, positions)

    def load_details(self, wanted: RankedAccount) -> None:
        """Fill detail fields of every built account still lacking them, in one go."""
        batch = [a for a in self._pending if a._details is None]
        if wanted not in batch:
            batch.append(wanted)
        self._pending = []
        found: dict[str, tuple[Any, ...]] = {}
        if self.engine is not None:
            found = reads.account_details(self.engine, [a.id for a in batch])
        empty = (None,) * len(_DETAIL_NAMES)
        for a in batch:
            a._details = found.get(a.id, empty)


@dataclass
class Listing:
    """A batch of ranked accounts as columns of plain values (RankBase.listing)."""

    ids: list[str]
    # queries.LIST_FIELDS and DETAIL_FIELDS; a listing's batches hold only the
    # ones it shows (rank_listing.TEXT_FIELDS, DETAIL_FIELDS)
    text: dict[str, list[Any]]
    detail: dict[str, list[Any]]
    ranks: list[str]
    totals: list[float]
    no_location: list[bool]
    # per criterion, in registry order: (id, scores, weight, points, raw values)
    breakdown: list[tuple[str, list[int | None], float, list[float], list[Any]]]
    stages: list[str]
    distance_km: list[float | None]
    months_dormant: list[float | None]
    last_order_date: list[str | None]  # ISO
    next_followup: list[str | None]  # ISO
    geo_precision: list[str]
    positions: list[int]  # where each account is in the base (early-warning fields)

    def __len__(self) -> int:
        return len(self.ids)


class RankTable(Sequence[RankedAccount]):
    """A ranked, filtered view: best first. Indexing builds RankedAccount on demand."""

    def __init__(self, base: RankBase, index: npt.NDArray[np.intp]) -> None:
        self._base = base
        self._index = index

    @property
    def base(self) -> RankBase:
        """The column arrays of every account this view was built from."""
        return self._base

    @property
    def indices(self) -> npt.NDArray[np.intp]:
        """Positions in `base` of this view's accounts, in view order."""
        return self._index

    def __len__(self) -> int:
        return len(self._index)

    @overload
    def __getitem__(self, i: int) -> RankedAccount: ...
    @overload
    def __getitem__(self, i: slice) -> RankTable: ...
    def __getitem__(self, i: int | slice) -> RankedAccount | RankTable:
        if isinstance(i, slice):
            return RankTable(self._base, self._index[i])
        return self._base.get(int(self._index[i]))

    def __iter__(self) -> Iterator[RankedAccount]:
        for start in range(0, len(self._index), _BATCH):
            chunk = self._index[start : start + _BATCH]
            self._base.prefetch(chunk)
            for j in chunk:
                yield self._base.get(int(j))

    def batches(self, size: int = 0, first: int = 0, step: int = 1) -> Iterator[Listing]:
        """The view in batches of plain columns, best first: what a full listing
        writes, without an object per account (services/rank_listing.py).
        `size`: accounts a batch (0: rank_listing.BATCH); `first`, `step`: only
        every step-th batch from the first (rank_listing.batches)."""
        from fieldsales.services.rank_listing import BATCH, batches

        return batches(self, size or BATCH, first, step)

    def reads_apart(self) -> bool:
        """Whether a forked child process can read this view's fields on its own
        (reopen_in_child): from a SQLite file read with sqlite3."""
        from fieldsales.store.lite import SqliteFile

        return isinstance(self._base.engine, SqliteFile)

    def reopen_in_child(self) -> None:
        """In a forked child: read the view's fields through a connection of the
        child's own (store.lite.SqliteFile.reopen_in_child)."""
        from fieldsales.store.lite import SqliteFile

        engine = self._base.engine
        if not isinstance(engine, SqliteFile):
            raise TypeError("only a view read from a SQLite file reads in a child process")
        engine.reopen_in_child()

    def stream(self) -> Iterator[RankedAccount]:
        """Every account of the view, best first, built in batches and not kept:
        memory stays flat however long the view (a full listing)."""
        b = self._base
        for start in range(0, len(self._index), _BATCH):
            chunk = self._index[start : start + _BATCH]
            b.prefetch(chunk)
            for j in chunk:
                yield b.build(int(j))
            for j in chunk:
                b._rows.pop(int(j), None)

    def __bool__(self) -> bool:
        return len(self._index) > 0

    @property
    def ids(self) -> list[str]:
        return [self._base.ids[j] for j in self._index]

    def position(self, account_id: str) -> int | None:
        """Where an account is in this view (None if filtered out); vectorised."""
        where = self._base.id_index().get(account_id)
        if where is None:
            return None
        hits = np.flatnonzero(self._index == where)
        return int(hits[0]) if len(hits) else None

    def sorted_by(self, column: str | None, reverse: bool = False) -> RankTable:
        """The same accounts ordered by a column (None: the ranking, best first).

        Sorting works on the column arrays: no RankedAccount is built.
        """
        if column is None:
            return RankTable(self._base, self._index[::-1] if reverse else self._index)
        key = self._base.sort_key(column)[self._index]
        order = np.argsort(key, kind="stable")
        if reverse:
            order = order[::-1]
        return RankTable(self._base, self._index[order])

    def filter(self, f: RankFilter, today: date | None = None) -> RankTable:
        """A new view with the filter applied (vectorised; order kept)."""
        b = self._base
        today_d = np.datetime64(today or b.today, "D")
        idx = self._index
        keep = np.ones(len(idx), dtype=bool)
        if not f.show_all:
            paused = b.paused[idx]
            keep &= ~b.dnc[idx] & ~(~np.isnat(paused) & (paused > today_d))
        if f.ranks:
            keep &= np.isin(b.ranks[idx], list(f.ranks))

        def member(
            values: Sequence[Any] | npt.NDArray[Any], wanted: Sequence[str]
        ) -> npt.NDArray[np.bool_]:
            allowed = set(wanted)
            return np.fromiter((values[j] in allowed for j in idx), dtype=bool, count=len(idx))

        if f.stages:
            keep &= member(b.stage, f.stages)
        if f.reasons:
            keep &= member(b.reason, f.reasons)
        if f.prefectures:
            keep &= member(b.prefecture, f.prefectures)
        if f.cities:
            keep &= member(b.city, f.cities)
        if f.owner:
            keep &= member(b.owner, [f.owner])
        if f.within_km is not None:
            d = b.distance[idx]
            keep &= ~np.isnan(d) & (d <= f.within_km)
        if f.due_followups:
            fu = b.followup[idx]
            keep &= ~np.isnat(fu) & (fu <= today_d)
        needle = fold(f.search)
        if needle:
            keep &= _search_matches(b, f.search or "", needle, idx)
        return RankTable(b, idx[keep])


def _search_matches(b: Any, typed: str, needle: str, idx: Any) -> Any:
    """Which accounts of `idx` the search box's text finds (services/rank_search.py)."""
    return search_matches(b, typed, needle, idx)
