"""Translations: English source strings, gettext catalogs for the other languages.

Every user-facing string is an English msgid written out where it is used,
inside a call that `pybabel extract` finds (see babel.cfg):

    tr("Plan saved", lang)                        a message now
    ntr("{n} day overdue", "{n} days overdue", n, lang)   a plural
    N_("At risk")                                 marked for later (tables)
    NP_("route stop", "done")                     the same, with a context

Tables of labels (stage, reason, channel…) hold marked strings and are
translated when looked up, so a table serves every language. The catalogs
live in fieldsales/locale/<lang>/LC_MESSAGES/fieldsales.mo; only the stdlib
`gettext` reads them at run time. English needs no catalog: a missing
translation shows the English text, never an id.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "ja")
DOMAIN = "fieldsales"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class Msg(str):
    """An English msgid with a gettext context (msgctxt): the same English
    word may need two translations ("done" of a plan is 完了, of a past
    route's stop 済)."""

    context: str

    def __new__(cls, context: str, message: str) -> Msg:
        self = super().__new__(cls, message)
        self.context = context
        return self


def N_(message: str) -> str:
    """Mark `message` for extraction; translated later, where it is shown."""
    return message


def NP_(context: str, message: str) -> Msg:
    """Mark `message` with a context for extraction; translated where it is shown."""
    return Msg(context, message)


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The catalog of `lang`; English (and any language without a catalog) is the source."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def tr(message: str, lang: str, /, **values: Any) -> str:
    """`message` in `lang`, formatted with `values` (str.format) when there are any."""
    catalog = translation(lang)
    context = getattr(message, "context", None)
    text = catalog.pgettext(context, message) if context else catalog.gettext(message)
    return text.format(**values) if values else text


def ntr(singular: str, plural: str, n: int, lang: str, /, **values: Any) -> str:
    """The form of `singular`/`plural` for `n` in `lang`, formatted with n and `values`."""
    text = translation(lang).ngettext(singular, plural, n)
    return text.format(n=n, **values)
