"""Talk scripts: the bundled file is complete, placeholders are filled, user files override."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from fieldsales import locations
from fieldsales.domain.scripts import (
    PLACEHOLDERS,
    ScriptFacts,
    ScriptsError,
    load_scripts,
    months_since,
    scripts_path,
)
from fieldsales.domain.vocab import Reason

TODAY = date(2026, 11, 20)
FACTS = ScriptFacts(
    company="丸の内精機",
    site="本社",
    contact="山本 健",
    last_order_date=date(2024, 11, 20),
    last_product="精密ポンプ",
    rep="Sato",
)


@pytest.fixture(scope="module")
def bundled():
    return load_scripts(locations.bundled_file("talk_scripts.yaml"))


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("reason", [r.value for r in Reason])
def test_every_reason_renders_without_leftover_placeholders(bundled, reason, language):
    r = bundled.render(reason, FACTS, language, TODAY)
    for text in (r.phone_script, r.visit_opener, r.reason_message):
        assert text.strip()
        for name in PLACEHOLDERS:
            assert "{" + name + "}" not in text
    assert "丸の内精機" in r.phone_script + r.visit_opener
    # 24 months since the last order, said as a person says it
    assert ("about 2 years" if language == "en" else "約2年") in r.phone_script
    assert r.approach.channels


def test_method_section_2_approaches(bundled):
    # METHOD section 2: channel order per main reason
    expect = {
        "product": ("phone", "email", "visit"),
        "price": ("email", "dm", "phone"),
        "customer_change": ("visit", "phone", "email"),
        "forgotten": ("email", "dm", "social"),
    }
    for reason, channels in expect.items():
        assert bundled.approach(reason, "en").channels == channels
        assert bundled.approach(reason, "ja").channels == channels
    assert bundled.approach("product", "en").key_message == '"We fixed it."'.strip('"')
    assert "改善" in bundled.approach("product", "ja").key_message


def test_reason_message_uses_the_last_product(bundled):
    r = bundled.render("product", FACTS, "en", TODAY)
    assert "精密ポンプ" in r.reason_message
    assert r.reason_message in r.phone_script


def test_missing_facts_use_polite_fallbacks(bundled):
    bare = ScriptFacts(company="Foo")
    en = bundled.render("forgotten", bare, "en", TODAY)
    assert "the person in charge" in en.phone_script
    assert "our products" in en.phone_script
    assert "until ? ago" in en.phone_script
    ja = bundled.render("forgotten", bare, "ja", TODAY)
    assert "ご担当者様" in ja.phone_script and "弊社製品" in ja.phone_script


def test_unknown_reason_and_language_fall_back(bundled):
    assert bundled.approach("no_such_reason", "en").reason == "default"
    assert bundled.approach("unknown", "en").reason == "default"
    assert bundled.approach("low_contact", "ja").reason == "forgotten"
    assert bundled.approach("price", "fr").channels == ("email", "dm", "phone")


def test_months_since_counts_whole_months():
    assert months_since(date(2026, 3, 1), TODAY) == 8
    assert months_since(date(2026, 10, 21), TODAY) == 0
    assert months_since(date(2026, 10, 20), TODAY) == 1
    assert months_since(None, TODAY) is None


def test_user_file_overrides_bundled(isolated_home: Path):
    assert scripts_path() == locations.bundled_file("talk_scripts.yaml")
    user = locations.user_talk_scripts_file()
    user.parent.mkdir(parents=True)
    user.write_text(
        """
en:
  reasons:
    default:
      channels: [visit]
      key_message: Hi
      offer: Coffee
      reason_message: we miss {company}
      phone_script: "Call {contact} about {unknown_placeholder}, {reason_message}"
      visit_opener: Hello {company}
""",
        encoding="utf-8",
    )
    assert scripts_path() == user
    scripts = load_scripts(scripts_path())
    r = scripts.render("price", FACTS, "ja", TODAY)  # no ja block: English is used
    assert r.phone_script == "Call 山本 健 about {unknown_placeholder}, we miss 丸の内精機 本社"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("en: [1, 2", "YAML syntax error"),
        ("- a list", "mapping of languages"),
        (
            "en:\n  reasons:\n    price:\n      channels: [email]\n",
            "en.reasons.price.key_message: missing",
        ),
    ],
)
def test_broken_files_name_the_problem(tmp_path: Path, text: str, message: str):
    path = tmp_path / "talk_scripts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptsError, match=r"talk_scripts\.yaml") as err:
        load_scripts(path)
    assert message in str(err.value)


def test_stray_brace_in_a_hand_edited_text_does_not_crash(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "en:\n  reasons:\n    default:\n      channels: [email]\n      key_message: k\n"
        "      offer: o\n      reason_message: r\n      phone_script: 'Hi {company} :-}'\n"
        "      visit_opener: v\n",
        encoding="utf-8",
    )
    r = load_scripts(path).render("price", FACTS, "en", TODAY)
    assert r.phone_script == "Hi 丸の内精機 本社 :-}"


def test_japanese_keeps_the_site_attached_to_the_company(bundled):
    r = bundled.render("price", FACTS, "ja", TODAY)
    assert "丸の内精機（本社）様" in r.phone_script
    assert "丸の内精機 本社" in bundled.render("price", FACTS, "en", TODAY).phone_script


def test_japanese_business_forms(bundled):
    from datetime import time

    ja = bundled.render("product", FACTS, "ja", TODAY)
    assert "山本 健様" in ja.phone_script
    assert "約2年前" in ja.visit_opener and "か月" not in ja.visit_opener
    greet = {
        time(9, 30): "おはようございます",
        time(13, 0): "こんにちは",
        time(17, 30): "お疲れさまです",
        None: "こんにちは",
    }
    for at, word in greet.items():
        opener = bundled.render("product", replace(FACTS, at=at), "ja", TODAY).visit_opener
        assert opener.startswith(word), (at, opener)
    en = bundled.render("product", replace(FACTS, at=time(9, 0)), "en", TODAY)
    assert en.visit_opener.startswith("Good morning, I am Sato.")
    assert "山本 健 " in en.phone_script or "山本 健?" in en.phone_script  # no 様 in English
    recent = replace(FACTS, last_order_date=date(2026, 3, 20))
    assert "約8か月前" in bundled.render("product", recent, "ja", TODAY).visit_opener
    assert "about 8 months ago" in bundled.render("product", recent, "en", TODAY).visit_opener
