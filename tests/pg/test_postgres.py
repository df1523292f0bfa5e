"""The same schema, migrations and ranking run on PostgreSQL (team setup)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fieldsales.config import default_settings
from fieldsales.domain.text import fold
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.store.db import HEAD_REVISION, current_revision, open_engine, session_scope
from fieldsales.store.models import Account, Outcome


def test_migrations_and_ranking_on_postgres(pg_url: str) -> None:
    engine = open_engine(pg_url)
    assert current_revision(engine) == HEAD_REVISION
    with session_scope(engine) as s:
        a = Account(
            company="東邦化成株式会社",
            match_key=fold("東邦化成株式会社|"),
            lat=35.7,
            lon=139.7,
            lifetime_revenue=12_000_000,
            last_order_date=date(2025, 6, 1),
            purchase_cycle_days=30,
            reason_solvable="solved",
            address="東京都新宿区",
        )
        b = Account(
            company="北関東運輸",
            match_key="b",
            lifetime_revenue=90_000,
            last_order_date=date(2021, 1, 1),
            do_not_contact=False,
        )
        s.add_all([a, b])
        s.flush()
        s.add(
            Outcome(
                account_id=a.id,
                rep="sato",
                channel="visit",
                result="next_action",
                occurred_at=datetime(2026, 11, 1, 2, tzinfo=UTC),
                next_action_due=date(2026, 11, 20),
            )
        )
    table = rank_accounts(
        engine, default_settings(), origin=(35.68, 139.76), today=date(2026, 11, 22)
    )
    assert [x.company for x in table] == ["東邦化成株式会社", "北関東運輸"]
    top = table[0]
    assert top.stage == "reactivating"
    assert top.next_followup == date(2026, 11, 20)
    assert top.address == "東京都新宿区"
    assert table[1].score.no_location
    due = rank_accounts(
        engine,
        default_settings(),
        origin=(35.68, 139.76),
        today=date(2026, 11, 22),
        filters=RankFilter(due_followups=True),
    )
    assert [x.company for x in due] == ["東邦化成株式会社"]
    with engine.connect() as conn:
        occurred = conn.execute(sa.select(Outcome.occurred_at)).scalar_one()  # type: ignore[call-overload]
    assert occurred == datetime(2026, 11, 1, 2, tzinfo=UTC)


def test_rank_cli_against_postgres_url(pg_url: str, tmp_path: Path, cli: Any) -> None:
    engine = open_engine(pg_url)
    with session_scope(engine) as s:
        s.add(
            Account(
                company="大阪機工",
                match_key="k",
                lat=34.7,
                lon=135.5,
                lifetime_revenue=3_000_000,
                last_order_date=date(2025, 1, 1),
            )
        )
    proc = cli("--db", pg_url, "rank", "--json", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [a["company"] for a in json.loads(proc.stdout)["accounts"]] == ["大阪機工"]
