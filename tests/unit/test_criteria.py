"""The criteria registry (domain/criteria.py) and what is derived from it."""

from __future__ import annotations

import yaml

from fieldsales import locations
from fieldsales.config import Scoring, Settings, Weights
from fieldsales.domain import columns as cols
from fieldsales.domain import criteria, results
from fieldsales.domain.score_maps import floats
from fieldsales.domain.scoring import CRITERIA
from fieldsales.i18n.labels import CRITERION_LABELS, label
from fieldsales.store import importer, queries


def _bundled_scoring() -> dict[str, object]:
    text = locations.bundled_file("config.yaml").read_text(encoding="utf-8")
    scoring: dict[str, object] = yaml.safe_load(text)["scoring"]
    return scoring


def test_registry_matches_the_weights_of_config_yaml() -> None:
    weights = _bundled_scoring()["weights"]
    assert isinstance(weights, dict)
    keys = [c.weight_key for c in criteria.CRITERIA]
    assert keys == list(weights), "same criteria, in METHOD order"
    assert set(keys) == set(Weights.model_fields)


def test_every_criterion_has_its_config_section_and_labels() -> None:
    scoring = _bundled_scoring()
    for c in criteria.CRITERIA:
        assert c.config_key in scoring and c.config_key in Scoring.model_fields, c.id
        assert c.label_key in CRITERION_LABELS, c.id
        assert label(CRITERION_LABELS, c.label_key, "ja") != CRITERION_LABELS[c.label_key], c.id
    assert [c.id for c in criteria.CRITERIA] == list(CRITERIA)


def test_method_order_and_worked_example_weights(settings: Settings) -> None:
    assert [c.id for c in criteria.CRITERIA] == [
        "past_revenue",
        "dormancy_length",
        "reason_solvable",
        "competitor_status",
        "proximity",
        "digital_responsiveness",
    ]
    assert [c.weight(settings.scoring) for c in criteria.CRITERIA] == [5, 4, 4, 3, 2, 3]


def test_ranking_query_fetches_every_column_the_criteria_read() -> None:
    fields = queries.rank_fields()
    assert set(criteria.columns_read()) <= set(fields)
    assert len(fields) == len(set(fields))


def test_csv_columns_and_vocabularies_derive_from_the_registry(settings: Settings) -> None:
    vocab = importer.vocabulary(settings)
    for c in criteria.CRITERIA:
        if c.csv is None:
            continue
        column = cols.BY_NAME[c.column]
        assert column.kind == c.csv.kind and column.aliases == c.csv.aliases
        if c.csv.kind == "category":
            assert column.category == c.config_key
            assert vocab.keys(c.config_key) == tuple(getattr(settings.scoring, c.config_key))
            # every spelling names a key of the config map
            assert set(c.csv.value_aliases.values()) <= set(vocab.keys(c.config_key))
        if c.csv.default is not None:
            assert importer.NOT_NULL_DEFAULTS[c.column] == c.csv.default


def test_registered_only_for_the_block() -> None:
    extra = criteria.Criterion(
        "extra", ("average_order",), lambda facts, cfg: floats(facts["average_order"]), "extra"
    )
    with criteria.registered(extra) as active:
        assert active[-1] is extra and criteria.find("extra") is extra
    assert criteria.active() == criteria.CRITERIA


def test_results_table_gives_the_funnel_sets_and_positive_is_config_only(
    settings: Settings,
) -> None:
    assert results.REACHED == (
        "contacted",
        "interested",
        "next_action",
        "appointment",
        "order",
        "refused",
    )
    assert results.RESPONDED == ("interested", "next_action", "appointment", "order")
    assert results.APPOINTED == ("appointment", "order")
    assert results.ORDERED == ("order",)
    assert set(settings.dormancy.positive_results) <= set(results.RESULTS)
    import fieldsales.domain.contact as contact

    assert not hasattr(contact, "_POSITIVE")
