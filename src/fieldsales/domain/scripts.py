"""Talk scripts and approaches per dormancy reason (docs/method.md#dormancy-reasons, #visiting, #phone-practice).

The texts live in talk_scripts.yaml (bundled, or a user copy that replaces it)
so a team lead can edit them without touching code. Rendering fills the
placeholders from the account; an unknown placeholder stays as written, so a
typo in a hand-edited file never breaks the app.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from fieldsales.errors import UserError
from fieldsales.i18n.phrases import greeting, honorific, since_text

PLACEHOLDERS = (
    "company",
    "contact",
    "months",
    "since",
    "greeting",
    "last_product",
    "reason_message",
    "rep",
)
_REQUIRED = ("channels", "key_message", "offer", "reason_message", "phone_script", "visit_opener")


class ScriptsError(UserError, ValueError):
    """talk_scripts.yaml cannot be used; the message names the file and the key."""

    title = "Call scripts"


@dataclass(frozen=True)
class Approach:
    """How to approach one dormancy reason, in one language."""

    reason: str  # the entry used (after aliases), e.g. "default"
    channels: tuple[str, ...]
    key_message: str
    offer: str
    reason_message: str
    phone_script: str
    visit_opener: str


@dataclass(frozen=True)
class ScriptFacts:
    """The account facts a script needs (plain values: no database here)."""

    company: str
    site: str | None = None
    contact: str | None = None
    last_order_date: date | None = None
    last_product: str | None = None
    rep: str = ""
    at: time | None = None  # when the rep speaks (a visit's arrival, a call's slot)


@dataclass(frozen=True)
class RenderedApproach:
    approach: Approach
    reason_message: str
    phone_script: str
    visit_opener: str


class _Keep(dict[str, str]):
    """format_map mapping that leaves unknown placeholders untouched."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: Mapping[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Keep(values))
    except (ValueError, IndexError):  # a stray brace in a hand-edited text
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out


class TalkScripts:
    """All approaches of one file, by language and reason."""

    def __init__(self, data: Mapping[str, Any], source: str = "<memory>") -> None:
        self.source = source
        self._langs: dict[str, dict[str, Any]] = {}
        for lang, block in data.items():
            if not isinstance(block, Mapping) or not isinstance(block.get("reasons"), Mapping):
                raise ScriptsError(f"{source}: {lang}.reasons: missing or not a mapping")
            for reason, entry in block["reasons"].items():
                if not isinstance(entry, Mapping):
                    raise ScriptsError(f"{source}: {lang}.reasons.{reason}: not a mapping")
                for key in _REQUIRED:
                    if key not in entry:
                        raise ScriptsError(f"{source}: {lang}.reasons.{reason}.{key}: missing")
            self._langs[str(lang)] = dict(block)
        if not self._langs:
            raise ScriptsError(f"{source}: no language found (expected en: and ja:)")

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._langs)

    @property
    def data(self) -> dict[str, dict[str, Any]]:
        """The languages and their blocks, as read (what a lead publishes to the team)."""
        return {lang: dict(block) for lang, block in self._langs.items()}

    def _block(self, language: str) -> dict[str, Any]:
        return (
            self._langs.get(language) or self._langs.get("en") or next(iter(self._langs.values()))
        )

    def approach(self, reason: str, language: str) -> Approach:
        block = self._block(language)
        reasons: Mapping[str, Any] = block["reasons"]
        aliases: Mapping[str, str] = block.get("aliases") or {}
        key = reason if reason in reasons else aliases.get(reason, "default")
        if key not in reasons:
            key = "default" if "default" in reasons else next(iter(reasons))
        e = reasons[key]
        channels = e["channels"]
        return Approach(
            reason=key,
            channels=tuple(
                str(c) for c in (channels if isinstance(channels, list) else [channels])
            ),
            key_message=str(e["key_message"]).strip(),
            offer=str(e["offer"]).strip(),
            reason_message=str(e["reason_message"]).strip(),
            phone_script=str(e["phone_script"]).strip(),
            visit_opener=str(e["visit_opener"]).strip(),
        )

    def fallback(self, language: str, key: str) -> str:
        fb = self._block(language).get("fallback") or {}
        return str(fb.get(key, ""))

    def render(
        self, reason: str, facts: ScriptFacts, language: str, today: date
    ) -> RenderedApproach:
        approach = self.approach(reason, language)
        used = language if language in self._langs else ("en" if "en" in self._langs else "")
        values = placeholder_values(facts, today, self.fallback(language, "contact"), used)
        if not facts.last_product:
            values["last_product"] = self.fallback(language, "last_product")
        # The reason message may itself use placeholders (e.g. the last product).
        values["reason_message"] = _fill(approach.reason_message, values)
        return RenderedApproach(
            approach=approach,
            reason_message=values["reason_message"],
            phone_script=_fill(approach.phone_script, values),
            visit_opener=_fill(approach.visit_opener, values),
        )


def months_since(last_order: date | None, today: date) -> int | None:
    """Whole months between the last order and today (what a rep would say aloud)."""
    if last_order is None:
        return None
    months = (today.year - last_order.year) * 12 + (today.month - last_order.month)
    if today.day < last_order.day:
        months -= 1
    return max(0, months)


def placeholder_values(
    facts: ScriptFacts, today: date, contact_fallback: str, language: str = "en"
) -> dict[str, str]:
    months = months_since(facts.last_order_date, today)
    company = facts.company
    if facts.site:
        # Japanese text wraps at spaces only: keep the site attached to the name.
        company += f"（{facts.site}）" if language == "ja" else f" {facts.site}"
    return {
        "company": company,
        "contact": honorific(facts.contact or "", language) or contact_fallback,
        "months": "?" if months is None else str(months),
        "since": since_text(months, language),
        "greeting": greeting(facts.at, language),
        "last_product": facts.last_product or "",
        "rep": facts.rep,
    }


_LOADED: dict[Path, tuple[tuple[int, int], TalkScripts]] = {}


def load_scripts(path: Path) -> TalkScripts:
    """The talk scripts in `path`, read once and again only when the file changes."""
    try:
        st = path.stat()
    except OSError:
        st = None
    stamp = (st.st_mtime_ns, st.st_size) if st is not None else None
    hit = _LOADED.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    scripts = _read_scripts(path)
    if stamp is not None:
        _LOADED[path] = (stamp, scripts)
    return scripts


def _read_scripts(path: Path) -> TalkScripts:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ScriptsError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptsError(f"{path}: cannot read ({exc})") from exc
    try:
        from fieldsales.config import load_yaml

        data = load_yaml(text)  # no aliases: a small file cannot expand to gigabytes
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ScriptsError(
            f"{path}:{where}: YAML syntax error" + (f": {problem}" if problem else "")
        ) from exc
    if not isinstance(data, Mapping):
        raise ScriptsError(f"{path}: must be a mapping of languages (en:, ja:)")
    return TalkScripts(data, str(path))


def scripts_path() -> Path:
    """The user's copy when there is one, else the bundled file."""
    from fieldsales import locations

    user = locations.user_talk_scripts_file()
    return user if user.exists() else locations.bundled_file("talk_scripts.yaml")
