"""The closed vocabularies of the method; their words are in fieldsales.i18n.labels."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    active = "active"
    at_risk = "at_risk"
    dormant_early = "dormant_early"
    dormant_mid = "dormant_mid"
    dormant_long = "dormant_long"
    reactivating = "reactivating"
    revived = "revived"


DORMANT_STAGES = frozenset({Stage.dormant_early, Stage.dormant_mid, Stage.dormant_long})


class Reason(StrEnum):
    product = "product"  # 商品・サービスへの不満
    price = "price"  # 価格への不満
    customer_change = "customer_change"  # 顧客環境の変化
    forgotten = "forgotten"  # 単純な忘却
    competitor = "competitor"  # 競合へ乗り換え
    need_gone = "need_gone"  # ニーズ消滅
    external = "external"  # 外部環境の変化
    low_contact = "low_contact"  # コミュニケーション不足
    other = "other"
    unknown = "unknown"


class Channel(StrEnum):
    visit = "visit"
    phone = "phone"
    email = "email"
    dm = "dm"
    other = "other"


class Result(StrEnum):
    no_answer = "no_answer"  # nobody reached / not met
    contacted = "contacted"  # reached, nothing agreed
    interested = "interested"
    next_action = "next_action"  # a concrete next step with a date
    appointment = "appointment"
    order = "order"
    refused = "refused"


# The result of an event that takes back the outcome it supersedes: not a
# contact, never shown as one, left out of stages, follow-ups and KPIs.
UNDO = "undo"


class VisitStage(StrEnum):
    """How far a visit got (docs/method.md#visiting)."""

    none = "none"
    met = "met"  # met the right person
    heard = "heard"  # got heard
    next_action = "next_action"  # left with a concrete next action


class Precision(StrEnum):
    building = "building"
    street = "street"
    town = "town"
    city = "city"
    none = "none"


PRECISION_ORDER = {
    Precision.building: 4,
    Precision.street: 3,
    Precision.town: 2,
    Precision.city: 1,
    Precision.none: 0,
}
