"""The tables (SQLModel). Alembic owns the schema: see store/migrations.

Design rules:
- accounts are the only rows a rep edits; every field change made by an import
  or an edit is kept in `account_change` (per-field history, later used by sync);
- outcomes, routes and stops are keyed by UUIDs so they survive export/sync;
- money is integer yen; datetimes are aware UTC (see UTCDateTime);
- position comes with its precision and source.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# defined with the Core tables (store/schema.py); callers import them from here too
from fieldsales.store.schema import Money as Money
from fieldsales.store.schema import UTCDateTime as UTCDateTime
from fieldsales.store.schema import utcnow as utcnow


def new_id() -> str:
    return str(uuid.uuid4())


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


class Account(SQLModel, table=True):
    # one account per match key among those without an external id (migration 0006)
    __table_args__ = (
        sa.Index(
            "uq_account_match_key_no_external_id",
            "match_key",
            unique=True,
            sqlite_where=sa.text("external_id IS NULL"),
            postgresql_where=sa.text("external_id IS NULL"),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    external_id: str | None = Field(default=None, unique=True, max_length=100)
    # normalised company + address: the re-import key when there is no external id
    match_key: str = Field(index=True, max_length=400)
    company: str = Field(max_length=200)
    company_kana: str | None = Field(default=None, max_length=200)
    site: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    prefecture: str | None = Field(default=None, max_length=20, index=True)
    city: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=400)
    lat: float | None = None
    lon: float | None = None
    geo_precision: str = Field(default="none", max_length=10)  # building|street|town|city|none
    geo_source: str | None = Field(
        default=None, max_length=40
    )  # import|postal|address|nominatim|manual
    industry: str | None = Field(default=None, max_length=100)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    owner_rep: str | None = Field(default=None, max_length=100, index=True)
    lifetime_revenue: int = Field(default=0, sa_type=Money)  # yen
    average_order: int | None = Field(default=None, sa_type=Money)  # yen
    gross_margin: float | None = None  # fraction 0-1
    first_order_date: date | None = None
    last_order_date: date | None = None
    last_product: str | None = Field(default=None, max_length=200)
    purchase_cycle_days: int | None = None
    # orders in the imported history (account_order) plus orders logged as
    # outcomes; None: no history, the typed values above apply (store/orders.py)
    order_count: int | None = None
    main_reason: str = Field(default="unknown", max_length=30)
    other_reasons: str | None = Field(default=None, max_length=200)  # comma-separated Reason values
    reason_solvable: str = Field(default="unknown", max_length=20)
    competitor_status: str = Field(default="unknown", max_length=20)
    competitor_name: str | None = Field(default=None, max_length=200)
    digital_responsiveness: str = Field(default="unknown", max_length=20)
    do_not_contact: bool = False
    notes: str | None = None
    # 定休日 and 受付時間 (domain/calendar.py): "5,6" with Monday = 0; "HH:MM" each
    closed_weekdays: str | None = Field(default=None, max_length=20)
    opens_at: str | None = Field(default=None, max_length=5)
    closes_at: str | None = Field(default=None, max_length=5)
    # the scores of the criteria that read only this account's fields, kept
    # current for the ranking (domain/score_cache.py); None: to be computed
    static_scores: str | None = Field(default=None, max_length=40)
    # what the last import wrote here, digested (store/importer.py); cleared by a
    # trigger when any other write changes a field (migration 0013)
    import_digest: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AccountChange(SQLModel, table=True):
    """Per-field history of account edits (import, app, sync)."""

    __tablename__ = "account_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=36)
    field: str = Field(max_length=50)
    old_value: str | None = None
    new_value: str | None = None
    source: str = Field(max_length=50)  # import:<file>|app|sync
    changed_at: datetime = _ts()


class Route(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    rep: str = Field(max_length=100)
    day: date = Field(index=True)
    status: str = Field(default="planned", max_length=20)  # planned|in_progress|done|cancelled
    start_label: str = Field(max_length=200)
    start_lat: float
    start_lon: float
    end_label: str = Field(max_length=200)
    end_lat: float
    end_lon: float
    planned_score: float = 0.0
    planned_km: float = 0.0
    planned_minutes: int = 0
    planned_revenue: int = 0  # expected revenue, yen
    planned_cost: int = 0  # yen
    planned_roi_pct: float | None = None
    actual_km: float | None = None
    actual_cost: int | None = None
    notes: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class RouteStop(SQLModel, table=True):
    __tablename__ = "route_stop"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    route_id: str = Field(foreign_key="route.id", index=True, max_length=36)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=36)
    seq: int
    planned_arrival: datetime = Field(sa_type=UTCDateTime)
    planned_departure: datetime = Field(sa_type=UTCDateTime)
    leg_km: float = 0.0
    leg_minutes: int = 0
    score: float = 0.0
    in_window: bool = True
    locked: bool = False
    pinned: bool = False  # a fixed appointment
    status: str = Field(default="planned", max_length=20)  # planned|done|skipped
    actual_arrival: datetime | None = Field(default=None, sa_type=UTCDateTime)
    actual_departure: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Outcome(SQLModel, table=True):
    """An append-only event: a call, visit, email, DM, order or correction."""

    # every column the KPI queries read, by account, by time and by result (migration 0005)
    __table_args__ = (
        sa.Index(
            "ix_outcome_kpi",
            "account_id", "channel", "rep", "occurred_at", "result", "order_amount", "cost", "id",
        ),
        sa.Index(
            "ix_outcome_kpi_time",
            "occurred_at", "account_id", "channel", "rep", "result", "order_amount", "cost", "id",
        ),
        sa.Index(
            "ix_outcome_kpi_result",
            "result", "account_id", "occurred_at", "order_amount", "channel", "rep", "id",
        ),
    )  # fmt: skip

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=36)
    rep: str = Field(max_length=100)
    channel: str = Field(max_length=20)  # Channel
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)
    visit_stage: str = Field(default="none", max_length=20)  # VisitStage
    result: str = Field(max_length=20)  # Result
    next_action: str | None = Field(default=None, max_length=400)
    next_action_due: date | None = Field(default=None, index=True)
    order_amount: int | None = None  # yen
    cost: int | None = None  # yen
    duration_minutes: int | None = None
    notes: str | None = None
    route_stop_id: str | None = Field(default=None, foreign_key="route_stop.id", max_length=36)
    # a correction names the event it replaces; the replaced one stays in the log
    supersedes: str | None = Field(default=None, max_length=36, index=True)
    created_at: datetime = _ts()


class AccountOrder(SQLModel, table=True):
    """One order of an account's history (受注履歴), imported from an order export.

    Re-importing is idempotent: an order is the same when its order number is
    (per account), else when account, date and amount are: one unique index
    on (account_id, order_key) (migration 0007).
    """

    __tablename__ = "account_order"
    # one index: the re-import key, also the account's orders in date order
    __table_args__ = (sa.Index("uq_account_order_key", "account_id", "order_key", unique=True),)

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    )
    account_id: str = Field(foreign_key="account.id", max_length=36)
    order_date: date
    amount: int = Field(sa_type=Money)  # yen
    order_number: str | None = Field(default=None, max_length=100)
    # what makes the order the same on re-import: "n:<order number>", or
    # "d:<date>:<amount>" without one (domain/order_columns.order_key)
    order_key: str = Field(max_length=120)
    product: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=200)  # import:<file>
    created_at: datetime = _ts()


class GeocodeCache(SQLModel, table=True):
    """Every geocoder answer, 'not found' included, keyed by normalised address."""

    __tablename__ = "geocode_cache"

    key: str = Field(primary_key=True, max_length=400)
    found: bool
    lat: float | None = None
    lon: float | None = None
    precision: str = Field(default="none", max_length=10)
    source: str = Field(max_length=40)
    display_name: str | None = None
    fetched_at: datetime = _ts()
    # an answer far from the account's offline position: a candidate, not applied
    suspicious: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    offset_km: float | None = None  # distance from that offline position


class SyncOutbox(SQLModel, table=True):
    """A change waiting to be pushed to the team database (`fieldsales sync`).

    Written in the same transaction as the change itself (an outcome, a saved
    or updated route, a rep's edit of an account field), so a change is never
    kept without its outbox row, nor the other way round. Removed once the
    server has it; the server keys it by (client id, op_id), so pushing a row
    twice after a kill doubles nothing.
    """

    __tablename__ = "sync_outbox"

    seq: int | None = Field(default=None, primary_key=True)  # the order of the changes
    op_id: str = Field(default_factory=new_id, unique=True, max_length=36)
    kind: str = Field(max_length=20)  # outcome|route|account
    ref_id: str = Field(max_length=36, index=True)  # the outcome, route or account
    payload: str  # JSON
    created_at: datetime = _ts()


class SyncState(SQLModel, table=True):
    """The sync's own facts: this copy's client id, the remote, the pull checkpoint."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True, max_length=40)
    value: str


class TeamPublication(SQLModel, table=True):
    """A version of the team's talk scripts or campaign targets, published by a lead.

    On the team database a lead's `fieldsales team publish` adds one row per kind
    and change (never updated in place, never deleted); a rep's `fieldsales sync`
    copies the rows into the laptop's database. The newest version of each kind
    is the one in effect (services/published.py); without any, the local files
    are (talk_scripts.yaml, config.yaml `campaign:`).
    """

    __tablename__ = "team_publication"
    __table_args__ = (sa.UniqueConstraint("kind", "version", name="uq_team_publication_version"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=20)  # talk_scripts | campaign
    version: int  # 1, 2, ... per kind
    body: str  # JSON: the scripts file's languages, or the campaign section
    digest: str = Field(max_length=64)  # sha256 of body: an unchanged file is not published again
    source: str = Field(max_length=300)  # the file it came from, on the lead's computer
    published_by: str = Field(max_length=100)  # the lead's login
    published_at: datetime = _ts()


class ModelFit(SQLModel, table=True):
    """A fitted model kept with the data it was fitted on (migration 0010): the
    BG/NBD and Gamma-Gamma parameters (domain/clv.py), keyed by a fingerprint of
    the order data and the `clv:` config (store/orders.fit_fingerprint). A
    ranking reuses the row while the fingerprint holds; new orders or a config
    change give a new fingerprint, and the next ranking fits and keeps anew."""

    __tablename__ = "model_fit"

    fingerprint: str = Field(primary_key=True, max_length=64)
    params: (
        str  # JSON: {"bgnbd": [r, alpha, a, b] | null, "gamma_gamma": [p, q, gamma] | null, ...}
    )
    created_at: datetime = _ts()
