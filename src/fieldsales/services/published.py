"""Which talk scripts and campaign targets are in effect: the team's, or the local files.

A lead publishes the team's talk scripts and campaign targets to the team
database (`fieldsales team publish`); a rep's sync copies them to the laptop.
The newest published version wins over the local file (talk_scripts.yaml,
config.yaml `campaign:`); when the team published none, the local file is
used. This is decided once per database, by `in_effect`, which returns the
settings with the team's campaign and remembers the team's talk scripts;
everything that needs scripts asks `scripts_for(settings)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fieldsales.config import Campaign, Settings
from fieldsales.domain.scripts import TalkScripts, load_scripts, scripts_path
from fieldsales.errors import UserError
from fieldsales.store import reads
from fieldsales.store.team.publication_row import CAMPAIGN, TALK_SCRIPTS, Publication

if TYPE_CHECKING:
    from fieldsales.store.reads import Source


class PublishedError(UserError):
    title = "Team"


@dataclass(frozen=True)
class Origin:
    """Where the talk scripts or the campaign in effect come from."""

    team: bool
    path: str = ""  # the local file, when not the team's
    version: int = 0
    published_by: str = ""
    published_at: datetime | None = None

    def when(self, settings: Settings) -> str:
        """The publishing time in the working day's time zone (config `timezone`)."""
        if self.published_at is None:
            return ""
        return self.published_at.astimezone(settings.zone()).strftime("%Y-%m-%d %H:%M")

    def describe(self, settings: Settings) -> str:
        """One line for the CLI (`fieldsales config show`, `team publish`)."""
        if self.team:
            return (
                f"team, version {self.version}, published by {self.published_by} "
                f"at {self.when(settings)}"
            )
        return f"{self.path} (your file; the team published none)"


def _origin(p: Publication) -> Origin:
    return Origin(
        team=True, version=p.version, published_by=p.published_by, published_at=p.published_at
    )


@dataclass
class _Team:
    """What the team published, attached to the settings in effect."""

    scripts: Publication | None
    campaign: Publication | None
    _parsed: list[TalkScripts] = field(default_factory=list)

    def talk_scripts(self) -> TalkScripts | None:
        if self.scripts is None:
            return None
        if not self._parsed:
            p = self.scripts
            label = f"team talk scripts, version {p.version} by {p.published_by}"
            try:
                data = json.loads(p.body)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise PublishedError(f"{label}: not readable; the lead publishes them again")
            self._parsed.append(TalkScripts(data, label))  # ScriptsError names the key
        return self._parsed[0]


def _team(settings: Settings) -> _Team | None:
    team = settings._published
    return team if isinstance(team, _Team) else None


def in_effect(settings: Settings, engine: Source) -> Settings:
    """`settings` with what the team published in `engine`'s database in effect: its
    campaign replaces config.yaml's, its talk scripts the local file (scripts_for).
    Settings already decided are returned as they are."""
    if _team(settings) is not None:
        return settings
    newest = reads.latest_publications(engine)
    camp = newest.get(CAMPAIGN)
    out = settings
    if camp is not None:
        try:
            campaign = Campaign.model_validate(json.loads(camp.body))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            first = str(exc).splitlines()[0]
            raise PublishedError(
                f"team campaign targets, version {camp.version} by {camp.published_by}: "
                f"cannot be used ({first}); the lead publishes them again"
            ) from None
        out = settings.model_copy(update={"campaign": campaign})
    else:
        out = settings.model_copy()
    out._published = _Team(scripts=newest.get(TALK_SCRIPTS), campaign=camp)
    return out


def scripts_for(settings: Settings) -> TalkScripts:
    """The talk scripts in effect: the team's newest published version, else the
    local file (the user's copy of talk_scripts.yaml, else the bundled one)."""
    team = _team(settings)
    scripts = team.talk_scripts() if team is not None else None
    return scripts if scripts is not None else load_scripts(scripts_path())


def scripts_origin(settings: Settings) -> Origin:
    team = _team(settings)
    if team is not None and team.scripts is not None:
        return _origin(team.scripts)
    return Origin(team=False, path=str(scripts_path()))


def campaign_origin(settings: Settings) -> Origin:
    team = _team(settings)
    if team is not None and team.campaign is not None:
        return _origin(team.campaign)
    return Origin(team=False, path=settings.source_files[-1] if settings.source_files else "")


# -- what a lead publishes ------------------------------------------------------


def scripts_body(path: Path) -> tuple[str, str]:
    """The talk scripts file at `path`, checked as the app reads it (ScriptsError: one
    line naming the file and key), as the JSON a lead publishes, and its source."""
    scripts = load_scripts(path)
    return json.dumps(scripts.data, ensure_ascii=False, sort_keys=True, default=str), str(path)


def campaign_body(settings: Settings) -> tuple[str, str] | None:
    """The config's `campaign:` section (checked as the config loader checks it) as the
    JSON a lead publishes, and its source; None when it sets no targets."""
    c = settings.campaign
    if not (c.start and c.end and c.targets):
        return None
    body = json.dumps(c.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return body, settings.source_files[-1] if settings.source_files else "config.yaml"
