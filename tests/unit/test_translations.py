"""The gettext catalogs: every message in the code is in the template, every
message of the template has a Japanese translation, and the compiled .mo
files are what the .po files say (they are committed, so that a plain
`pip install` gives a Japanese UI without Babel)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from fieldsales.i18n import LANGUAGES, LOCALE_DIR, N_, NP_, ntr, tr
from fieldsales.i18n.extract import KEYWORDS

babel = pytest.importorskip("babel")

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.mofile import read_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
POT = LOCALE_DIR / "fieldsales.pot"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def _keywords() -> dict[str, object]:
    from babel.messages.frontend import parse_keywords

    return parse_keywords(list(KEYWORDS))


def _ids(catalog: Catalog) -> set[tuple[str | None, object]]:
    return {(m.context, m.id) for m in catalog if m.id}


def _po(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "fieldsales.po").open("rb") as fh:
        return read_po(fh, locale=lang)


# Values a call passes that its English text does not show (hours.py passes
# the typed text too: the Japanese says which text it could not read).
EXTRA_FIELDS = {"Closed weekdays: {reason}": {"text"}, "Opening hours: {reason}": {"text"}}


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _fields(text: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0].split("!")[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    }


def test_the_template_holds_every_message_of_the_code() -> None:
    method_map = [("src/fieldsales/**.py", "fieldsales.i18n.extract:extract")]
    found = set()
    for _, _, message, _, context in extract_from_dir(
        str(ROOT),
        method_map,
        keywords=_keywords(),  # type: ignore[arg-type]
        comment_tags=(),
    ):
        found.add((context, message))
    with POT.open("rb") as fh:
        pot = read_po(fh)
    assert _ids(pot) == found, "run the pybabel extract/update/compile of the README"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    with POT.open("rb") as fh:
        pot = read_po(fh)
    po = _po(lang)
    assert _ids(po) == _ids(pot)
    assert not po.fuzzy
    assert not po.obsolete
    bad = []
    for m in po:
        if not m.id:
            continue
        strings = tuple(m.string) if isinstance(m.string, tuple | list) else (m.string or "",)
        ids = tuple(m.id) if isinstance(m.id, tuple | list) else (m.id,)
        if m.fuzzy or not all(s.strip() for s in strings):
            bad.append(("untranslated or fuzzy", m.context, m.id))
            continue
        allowed = _fields(ids[-1]) | {"n"} | EXTRA_FIELDS.get(ids[0], set())
        if not all(_fields(s) <= allowed for s in strings):
            bad.append(("placeholders", m.context, m.id))
    assert bad == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_is_current(lang: str) -> None:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "fieldsales.mo").open("rb") as fh:
        mo = read_mo(fh)
    compiled = {(m.context, _hashable(m.id)): _hashable(m.string) for m in mo if m.id}
    source = {
        (m.context, _hashable(m.id)): _hashable(m.string) for m in _po(lang) if m.id and not m.fuzzy
    }
    assert compiled == source, "run pybabel compile (README: Translating)"


def test_messages_are_looked_up_per_language() -> None:
    assert tr(N_("Plan saved"), "ja") == "計画を保存しました"
    assert tr(N_("Plan saved"), "en") == "Plan saved"
    assert tr(NP_("route stop", "done"), "ja") == "済"
    assert tr(N_("done"), "ja") == "完了"
    assert tr("not in any catalog", "ja") == "not in any catalog"
    assert tr(N_("Plan saved"), "fr") == "Plan saved"


def test_plurals() -> None:
    assert ntr("{n} day overdue", "{n} days overdue", 1, "en") == "1 day overdue"
    assert ntr("{n} day overdue", "{n} days overdue", 2, "en") == "2 days overdue"
    assert ntr("{n} day overdue", "{n} days overdue", 1, "ja") == "1日超過"
    assert ntr("{n} day overdue", "{n} days overdue", 5, "ja") == "5日超過"
