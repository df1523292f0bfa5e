"""A team database on the test server: init, a lead, two reps, accounts; URLs per role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from fieldsales.domain.text import fold
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account
from fieldsales.store.team.roles import add_member, init_team


@dataclass
class Team:
    admin: str  # the superuser's URL of the team database
    lead: str
    reps: list[str]
    url: dict[str, str] = field(default_factory=dict)  # login name -> URL

    def accounts_of(self, rep: str | None) -> list[str]:
        engine = open_engine(self.admin)
        with engine.connect() as conn:
            ids = conn.execute(
                sa.text(
                    "SELECT id FROM account WHERE owner_rep IS NOT DISTINCT FROM :r ORDER BY id"
                ),
                {"r": rep},
            ).scalars()
            out = list(ids)
        engine.dispose()
        return out


def as_role(admin_url: str, name: str) -> str:
    """The admin URL with another login (the test server trusts 127.0.0.1)."""
    return admin_url.replace("://fieldsales@", f"://{name}@", 1)


def make_team(pg_url: str, *, accounts_per_rep: int = 3, unassigned: int = 1) -> Team:
    tag = uuid.uuid4().hex[:6]
    init_team(pg_url, reps_see_unassigned=False)
    lead, reps = f"lead_{tag}", [f"sato_{tag}", f"suzuki_{tag}"]
    add_member(pg_url, lead, lead=True, password="lead-secret")
    for r in reps:
        add_member(pg_url, r, lead=False, password="rep-secret")
    team = Team(admin=pg_url, lead=lead, reps=reps)
    team.url = {n: as_role(pg_url, n) for n in [lead, *reps]}
    engine = open_engine(pg_url)
    with session_scope(engine) as s:
        owners: list[str | None] = [r for r in reps for _ in range(accounts_per_rep)]
        owners += [None] * unassigned
        for i, owner in enumerate(owners):
            s.add(
                Account(
                    external_id=f"C{i:05d}",
                    company=f"会社{i}",
                    match_key=fold(f"会社{i}|"),
                    owner_rep=owner,
                    lat=35.6 + i / 100,
                    lon=139.7,
                    lifetime_revenue=1_000_000 + i,
                    last_order_date=date(2024, 1, 1),
                    purchase_cycle_days=30,
                    phone=f"03-0000-{i:04d}",
                )
            )
    engine.dispose()
    return team


def local_db(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.db"
    open_engine(path).dispose()
    return path
