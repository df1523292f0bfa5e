"""A published version of the team's talk scripts or campaign targets, as read
from table team_publication (store/team/publication.py writes them; store/lite.py
and publication.latest read them). No SQLAlchemy: the ranking's path reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TALK_SCRIPTS, CAMPAIGN = "talk_scripts", "campaign"
KINDS = (TALK_SCRIPTS, CAMPAIGN)


@dataclass(frozen=True)
class Publication:
    id: str
    kind: str
    version: int
    body: str  # JSON
    digest: str
    source: str
    published_by: str
    published_at: datetime
