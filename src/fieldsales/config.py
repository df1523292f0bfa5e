"""Typed, validated settings loaded from config.yaml.

The bundled config.yaml holds every default of the method; a user file only
sets the keys it changes and is deep-merged over it. The models below carry no
numeric defaults on purpose: a number missing from both files is an error, so
the method's figures can only come from config.yaml.
"""

from __future__ import annotations

import os
import re
from datetime import date, time, tzinfo
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from fieldsales import locations
from fieldsales.errors import UserError


class ConfigError(UserError):
    """A configuration problem a user can fix; the message names file and key."""

    title = "Configuration"


class _Model(BaseModel):
    # defer_build: each model's validator is built when first used, not when its
    # class is made: reading the settings then builds the nested ones within
    # Settings' own, once (~5 ms less of every command's start)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# Names, labels and host names: longer than this is a pasted paragraph, not a setting.
MAX_TEXT = 200
Text = Annotated[str, Field(max_length=MAX_TEXT)]
# The lifecycle stages (domain.vocab.Stage; a test keeps the two lists equal).
StageKey = Literal[
    "active", "at_risk", "dormant_early", "dormant_mid", "dormant_long", "reactivating", "revived"
]
Score = Annotated[int, Field(ge=1, le=10)]
Rate = Annotated[float, Field(ge=0, le=1)]
Yen = Annotated[int, Field(ge=0)]


def _parse_hhmm(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int):  # YAML reads 09:00 unquoted as sexagesimal minutes
        return time(value // 60, value % 60)
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"must be a time as HH:MM, got {value!r}") from exc


class Place(_Model):
    label: Text
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Dormancy(_Model):
    active_max_cycles: Positive
    at_risk_max_cycles: Positive
    dormant_early_max_cycles: Positive
    dormant_mid_max_cycles: Positive
    default_cycle_days: Annotated[int, Field(gt=0)]
    positive_results: list[str]

    @field_validator("dormant_mid_max_cycles")
    @classmethod
    def _ascending(cls, v: float, info: Any) -> float:
        d = info.data
        chain = [
            d.get("active_max_cycles"),
            d.get("at_risk_max_cycles"),
            d.get("dormant_early_max_cycles"),
            v,
        ]
        if all(x is not None for x in chain) and chain != sorted(chain):
            raise ValueError(f"stage limits must increase from active to dormant_mid, got {chain}")
        return v


class Steps(_Model):
    """A numeric criterion: thresholds to scores."""

    at_least: list[tuple[float, Score]] | None = None
    below: list[tuple[float, Score]] | None = None
    otherwise: Score

    @field_validator("below")
    @classmethod
    def _one_kind(cls, v: Any, info: Any) -> Any:
        if v is not None and info.data.get("at_least") is not None:
            raise ValueError("give either at_least or below, not both")
        return v


Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Weights(_Model):
    """0 leaves a criterion out; at least one must count."""

    past_revenue: Weight
    dormancy_length: Weight
    reason_solvable: Weight
    competitor_status: Weight
    proximity: Weight
    digital_responsiveness: Weight

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if not any(self.model_dump().values()):
            raise ValueError("all weights are 0; give at least one criterion a weight above 0")
        return self


class RankThresholds(_Model):
    a: float
    b: float
    c: float

    @field_validator("c")
    @classmethod
    def _order(cls, v: float, info: Any) -> float:
        a, b = info.data.get("a"), info.data.get("b")
        if a is not None and b is not None and not (a > b > v):
            raise ValueError(f"must satisfy a > b > c, got a={a} b={b} c={v}")
        return v


class Scoring(_Model):
    max_total: Positive
    weights: Weights
    past_revenue: Steps
    dormancy_length: Steps
    proximity: Steps
    reason_solvable: dict[str, Score]
    competitor_status: dict[str, Score]
    digital_responsiveness: dict[str, Score]
    ranks: RankThresholds


def _parse_window(v: Any) -> tuple[time, time]:
    if not isinstance(v, list | tuple) or len(v) != 2:
        raise ValueError(f"must be a pair [HH:MM, HH:MM], got {v!r}")
    start, end = _parse_hhmm(v[0]), _parse_hhmm(v[1])
    if end <= start:
        raise ValueError(f"window must end after it starts, got {v!r}")
    return start, end


def _parse_windows(v: Any) -> list[tuple[time, time]]:
    if not isinstance(v, list):
        raise ValueError("must be a list of [HH:MM, HH:MM] pairs")
    return [_parse_window(w) for w in v]


Window = Annotated[tuple[time, time], BeforeValidator(_parse_window)]
Windows = Annotated[list[tuple[time, time]], BeforeValidator(_parse_windows)]


class Visits(_Model):
    work_start: time
    work_end: time
    lunch_minutes: Annotated[int, Field(ge=0)]
    lunch_window: Window
    duration_minutes: Annotated[int, Field(gt=0)]
    duration_by_rank: dict[Literal["A", "B", "C", "D"], Annotated[int, Field(gt=0)]]
    best_windows: Windows
    best_weekdays: list[Annotated[int, Field(ge=0, le=6)]]
    windows_hard: bool
    outside_window_factor: Rate
    off_day_factor: Rate
    min_gap_days: Annotated[int, Field(ge=0)]
    exclude_approximate: bool
    solver_seconds: Positive
    solver_exploration: Annotated[int, Field(ge=0, le=5)]
    work_weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1)]
    objective: Literal["expected_profit", "score"]
    candidate_limit: Annotated[int, Field(gt=0)]
    solver_seed: Annotated[int, Field(ge=0)]
    plan_stages: Annotated[list[StageKey], Field(min_length=1)]

    @field_validator("work_start", "work_end", mode="before")
    @classmethod
    def _time(cls, v: Any) -> time:
        return _parse_hhmm(v)

    @model_validator(mode="after")
    def _a_day_that_fits(self) -> Visits:
        """The settings of one day together: the first that cannot work is named."""
        start, end = _minutes(self.work_start), _minutes(self.work_end)
        if end <= start:
            raise ValueError(
                f"work_end {self.work_end:%H:%M} must be after work_start {self.work_start:%H:%M}"
            )
        lunch_from, lunch_to = (_minutes(t) for t in self.lunch_window)
        if self.lunch_minutes > lunch_to - lunch_from:
            raise ValueError(
                f"lunch_minutes {self.lunch_minutes} does not fit lunch_window "
                f"{self.lunch_window[0]:%H:%M}-{self.lunch_window[1]:%H:%M}"
            )
        if self.lunch_minutes and (lunch_to <= start or lunch_from >= end):
            raise ValueError(
                f"lunch_window {self.lunch_window[0]:%H:%M}-{self.lunch_window[1]:%H:%M} "
                f"is outside the working day {self.work_start:%H:%M}-{self.work_end:%H:%M}"
            )
        free = end - start - self.lunch_minutes
        longest = max([self.duration_minutes, *self.duration_by_rank.values()])
        if longest >= free:
            raise ValueError(
                f"a visit of {longest} minutes (duration_minutes, duration_by_rank) does not "
                f"fit a {free}-minute working day (work_start to work_end less lunch)"
            )
        return self


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


Fit = Literal["best", "good", "reason", "no"]
ChannelKey = Literal["visit", "phone", "dm", "email"]


class ChannelReasons(_Model):
    positive_reaction: bool
    followup_due: bool
    near_stop_km: Annotated[float, Field(ge=0)]


class Channels(_Model):
    fit: dict[ChannelKey, dict[Literal["A", "B", "C", "D"], Fit]]
    reasons: ChannelReasons
    success_factor: dict[ChannelKey, Annotated[float, Field(ge=0, le=1)]]

    @field_validator("fit")
    @classmethod
    def _complete(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for ch in ("visit", "phone", "dm", "email"):
            missing = [r for r in "ABCD" if r not in v.get(ch, {})]
            if missing:
                raise ValueError(f"{ch}: no fit for rank {', '.join(missing)}")
        return v


def _closed_date(v: Any) -> str:
    text = str(v).strip()
    if not re.fullmatch(r"(\d{4}-)?\d{2}-\d{2}", text):
        raise ValueError(f"{text!r}: expected MM-DD or YYYY-MM-DD")
    try:
        date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
    except ValueError:
        raise ValueError(f"{text!r}: not a calendar date") from None
    return text


class CalendarSettings(_Model):
    national_holidays: bool
    closed_dates: list[Annotated[str, BeforeValidator(_closed_date)]]


class Travel(_Model):
    speed_kmh: Positive
    detour_factor: Annotated[float, Field(ge=1)]


ResultKey = Literal[
    "no_answer", "contacted", "interested", "next_action", "appointment", "order", "refused"
]


class Phone(_Model):
    best_windows: Windows
    max_minutes: Positive
    max_calls_per_day: Annotated[int, Field(ge=0)]
    recontact_after_refusal_days: Annotated[int, Field(ge=0)]
    refusals_before_pause: Annotated[int, Field(ge=1)]
    pause_after_refusals_days: Annotated[int, Field(ge=0)]
    followup_done_by: list[ResultKey]


RankKey = Literal["A", "B", "C", "D"]


class Roi(_Model):
    day_rate: Yen
    cost_per_km: Yen
    expenses_per_day: Yen
    gross_margin: Rate
    default_deal: Yen
    appointment_rate: dict[RankKey, Rate]
    close_rate: dict[RankKey, Rate]
    attribution_days: Annotated[int, Field(ge=0)]
    prior_strength: Annotated[float, Field(ge=0)]


class Kpi(_Model):
    contact_cost: dict[ChannelKey, Yen]
    retention_days: Annotated[int, Field(gt=0)]
    coverage_days: Annotated[int, Field(gt=0)]
    coverage_ranks: list[RankKey]


class Target(_Model):
    reactivations: Annotated[int, Field(ge=0)] = 0
    revenue: Yen = 0


class Campaign(_Model):
    name: Text
    start: date | None
    end: date | None
    targets: dict[RankKey, Target]

    @model_validator(mode="after")
    def _order(self) -> Campaign:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.targets and not (self.start and self.end):
            raise ValueError("targets need the campaign's start and end dates")
        return self


class Geocoding(_Model):
    domain: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    scheme: Literal["http", "https"]
    user_agent: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    timeout_seconds: Positive
    connect_timeout_seconds: Positive
    min_delay_seconds: Annotated[float, Field(ge=0)]
    max_retries: Annotated[int, Field(ge=0)]
    backoff_seconds: Annotated[float, Field(ge=0)]
    max_wait_seconds: Annotated[float, Field(ge=0)]
    suspicious_km: Positive


# A password in a URL: in the user part (user:secret@host) or as a query parameter.
_URL_PASSWORD = re.compile(
    r"://[^:/@?#]*:[^@/?#]*@|[?&](?:password|passwd|pwd|sslpassword)=", re.IGNORECASE
)


def _url_without_password(v: Any) -> str:
    text = "" if v is None else str(v).strip()
    if _URL_PASSWORD.search(text):
        raise ValueError(
            "a password does not belong in the config file; remove it from the URL and set "
            "PGPASSWORD or put it in ~/.pgpass"
        )
    return text


DatabaseUrl = Annotated[str, BeforeValidator(_url_without_password)]


class Database(_Model):
    # the database when there is no --db and no FIELDSALES_DATABASE_URL ("": the local file)
    url: DatabaseUrl


class Team(_Model):
    # the team's PostgreSQL database that `fieldsales sync` pushes to and pulls from
    remote: DatabaseUrl
    # reps also see (and sync) accounts that no rep owns yet
    reps_see_unassigned: bool
    # outbox operations sent to the server per transaction
    batch_size: Annotated[int, Field(gt=0)]


def _yaml_word(v: Any) -> str:
    """A value as written, though YAML read it as a number or a flag (1, yes, true)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None or isinstance(v, dict | list):
        raise ValueError("expected a value such as 競合に切替 or 1")
    return str(v)


def _value_maps(v: Any) -> dict[str, dict[str, str]]:
    """import.values: FIELD -> {VALUE: CODE}; the codes are checked at import time."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ValueError(
            "expected FIELD: {VALUE: CODE}, e.g. main_reason: {競合に切替: competitor}"
        )
    out: dict[str, dict[str, str]] = {}
    for name, values in v.items():
        if not isinstance(values, dict):
            raise ValueError(f"{name}: expected {{VALUE: CODE}}, e.g. {{競合に切替: competitor}}")
        for k in values:
            if isinstance(k, bool):
                raise ValueError(
                    f"{name}: a value YAML reads as yes/no (yes, no, on, off, true, false); "
                    'quote it: {"yes": true}'
                )
        out[str(name)] = {_yaml_word(k): _yaml_word(c) for k, c in values.items()}
    return out


class ImportSettings(_Model):
    max_line_bytes: Annotated[int, Field(gt=0)]
    max_file_bytes: Annotated[int, Field(gt=0)]
    progress_min_rows: Annotated[int, Field(ge=0)]
    # FIELD -> {VALUE: CODE}: a CRM's own words for a closed vocabulary (--map-value)
    values: Annotated[dict[str, dict[str, str]], BeforeValidator(_value_maps)] = Field(
        default_factory=dict
    )


class ChurnRule(_Model):
    """A combined churn definition (docs/method.md#churn-signs): fires when every condition set holds."""

    months_without_order: Positive | None = None
    unanswered_contacts: Annotated[int, Field(ge=1)] | None = None
    amount_ratio_at_most: Annotated[float, Field(ge=0)] | None = None
    months_without_reaction: Positive | None = None
    interval_ratio_at_least: Positive | None = None

    @model_validator(mode="after")
    def _some_condition(self) -> ChurnRule:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError(
                "a rule needs at least one condition: months_without_order, "
                "unanswered_contacts, amount_ratio_at_most, months_without_reaction, "
                "interval_ratio_at_least"
            )
        return self


class Churn(_Model):
    interval_ratio: Positive
    recent_gaps: Annotated[int, Field(ge=1)]
    gap_growth: Positive
    min_earlier_gaps: Annotated[int, Field(ge=1)]
    amount_window_months: Positive
    amount_drop_ratio: Annotated[float, Field(ge=0)]
    recent_orders: Annotated[int, Field(ge=1)]
    amount_shrink_ratio: Annotated[float, Field(ge=0)]
    min_earlier_orders: Annotated[int, Field(ge=1)]
    unanswered_contacts: Annotated[int, Field(ge=1)]
    unanswered_results: Annotated[list[ResultKey], Field(min_length=1)]
    signal_stages: list[StageKey]
    # the first channel for an account not yet dormant, by rank (light touches first)
    channel_by_rank: Annotated[dict[RankKey, ChannelKey], Field(min_length=4)]  # all four
    trend_months: Annotated[int, Field(ge=2, le=120)]
    rules: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")], ChurnRule]


class Clv(_Model):
    """P(alive) and expected value: BG/NBD and Gamma-Gamma (domain/clv.py)."""

    time_unit_days: Positive
    horizon_days: Positive
    min_accounts: Annotated[int, Field(ge=2)]
    penalizer: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    deal_from_expected_value: bool


def _zone_name(v: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = str(v).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {text!r}; use an IANA name such as Asia/Tokyo"
        ) from None
    return text


class Settings(_Model):
    language: Literal["en", "ja"]
    timezone: Annotated[str, BeforeValidator(_zone_name)]
    keymap: dict[Text, Text]  # binding id -> keys, checked and applied by the app (tui.keymap)
    rep: Text
    office: Place
    dormancy: Dormancy
    scoring: Scoring
    visits: Visits
    travel: Travel
    channels: Channels
    calendar: CalendarSettings
    phone: Phone
    roi: Roi
    kpi: Kpi
    campaign: Campaign
    geocoding: Geocoding
    import_: ImportSettings = Field(alias="import")
    churn: Churn
    clv: Clv
    database: Database
    team: Team

    # Where the settings came from (not a config key): shown in the settings view.
    source_files: tuple[str, ...] = ()
    # What the team published (talk scripts, campaign targets) that replaces the
    # local files; set by services/published.py from the database, never a config key.
    _published: Any = PrivateAttr(default=None)

    def zone(self) -> tzinfo:
        """The working day's time zone (config `timezone`)."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def rep_name(self) -> str:
        if self.rep:
            return self.rep
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # no user name on some containers
            return "rep"


class NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases (*name): a few hundred bytes of nested aliases expand to
    gigabytes (a "billion laughs"), and no setting needs one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed; write the value out", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Parse YAML safely and without aliases (NoAliasLoader); raises yaml.YAMLError.

    With libyaml, a text whose events hold no alias is loaded by its safe C
    loader (a tenth of the time: the bundled config.yaml is read at every
    start). Anything else, an alias or a text libyaml refuses, goes to
    NoAliasLoader, so every error reads as it always did."""
    if yaml.__with_libyaml__:
        try:
            events = yaml.parse(text, Loader=yaml.CSafeLoader)  # events only: nothing expands
            if not any(isinstance(event, yaml.AliasEvent) for event in events):
                return yaml.load(text, Loader=yaml.CSafeLoader)  # safe: no arbitrary objects
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=NoAliasLoader)  # a SafeLoader subclass: no arbitrary objects


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: YAML syntax error: {problem}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping of keys, got {type(data).__name__}")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _has_path(data: Any, path: tuple[Any, ...]) -> bool:
    for part in path:
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if not (in_dict or in_list):
            return False
        data = data[part]
    return True


def _format_error(err: dict[str, Any], user: dict[str, Any], user_path: Path | None) -> str:
    loc = tuple(err["loc"])
    key = ".".join(str(p) for p in loc)
    blame = user_path if user_path is not None and _has_path(user, loc) else None
    if blame is None and user_path is not None and err["type"] == "extra_forbidden":
        blame = user_path
    where = str(blame) if blame is not None else str(locations.bundled_file("config.yaml"))
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        return f"{where}: {key}: unknown key"
    if err["type"] == "missing":
        return f"{where}: {key}: missing"
    if err["type"] == "value_error":  # our validators name the values themselves
        return f"{where}: {key}: {msg.replace('Value error, ', '')}"
    value = err.get("input")
    msg = msg.replace("Input should be greater than or equal to", "must be >=")
    msg = msg.replace("Input should be less than or equal to", "must be <=")
    msg = msg.replace("Input should be greater than", "must be >")
    msg = msg.replace("Input should be less than", "must be <")
    msg = msg.replace("Value error, ", "")
    if ", got " in msg:  # our validators already show the value
        return f"{where}: {key}: {msg}"
    return f"{where}: {key}: {msg}, got {value!r}"


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The user file in effect, by the documented look-up order."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("FIELDSALES_CONFIG")
    if env:
        return Path(env)
    user = locations.user_config_file()
    return user if user.exists() else None


def load_settings(explicit: str | Path | None = None) -> Settings:
    """Load settings: --config PATH, $FIELDSALES_CONFIG, user dir, bundled default."""
    bundled_path = locations.bundled_file("config.yaml")
    base = _read_yaml(bundled_path)
    user_path = config_path(explicit)
    user: dict[str, Any] = _read_yaml(user_path) if user_path is not None else {}
    merged = _merge(base, user)
    sources = [str(bundled_path)] + ([str(user_path)] if user_path else [])
    merged["source_files"] = tuple(sources)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        lines = [_format_error(dict(e), user, user_path) for e in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


_cached: Settings | None = None


def default_settings() -> Settings:
    """The bundled defaults only (tests and library use)."""
    global _cached
    if _cached is None:
        base = _read_yaml(locations.bundled_file("config.yaml"))
        base["source_files"] = (str(locations.bundled_file("config.yaml")),)
        _cached = Settings.model_validate(base)
    return _cached
