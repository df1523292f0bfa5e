"""Migration 0006 merges duplicate accounts (with their history) and makes the key unique."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from fieldsales.store import db as dbmod
from fieldsales.store.models import Account, AccountChange, Outcome, Route, RouteStop

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _account(id_: str, key: str, minute: int, external_id: str | None = None) -> dict[str, Any]:
    return dict(
        id=id_, external_id=external_id, match_key=key, company=f"山田工業 {id_}",
        geo_precision="none", lifetime_revenue=100, main_reason="price",
        reason_solvable="partly", competitor_status="none", digital_responsiveness="low",
        do_not_contact=False, created_at=T0.replace(minute=minute), updated_at=T0,
    )  # fmt: skip


def seed_duplicates(engine: Engine) -> None:
    """At revision 0005: a1 (oldest), a2 and a3 share a key; b1 shares it with an
    external id (a separate record); c1 stands alone. History hangs on a2 and a3."""
    dbmod.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            Account.__table__.insert(),  # type: ignore[attr-defined]
            [
                _account("a2", "k", 2),
                _account("a1", "k", 1),
                _account("a3", "k", 3),
                _account("b1", "k", 0, external_id="X1"),
                _account("c1", "other", 0),
            ],
        )
        conn.execute(
            Outcome.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    id="o2",
                    account_id="a2",
                    rep="sato",
                    channel="phone",
                    occurred_at=T0,
                    visit_stage="none",
                    result="contacted",
                    created_at=T0,
                )
            ],
        )
        conn.execute(
            Route.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    id="r1",
                    rep="sato",
                    day=date(2026, 1, 2),
                    status="planned",
                    start_label="o",
                    start_lat=35.0,
                    start_lon=139.0,
                    end_label="o",
                    end_lat=35.0,
                    end_lon=139.0,
                    planned_score=0.0,
                    planned_km=0.0,
                    planned_minutes=0,
                    planned_revenue=0,
                    planned_cost=0,
                    created_at=T0,
                    updated_at=T0,
                )
            ],
        )
        conn.execute(
            RouteStop.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    id="s3",
                    route_id="r1",
                    account_id="a3",
                    seq=1,
                    planned_arrival=T0,
                    planned_departure=T0,
                    leg_km=0.0,
                    leg_minutes=0,
                    score=0.0,
                    in_window=True,
                    locked=False,
                    pinned=False,
                    status="planned",
                    created_at=T0,
                    updated_at=T0,
                )
            ],
        )
        conn.execute(
            AccountChange.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    id="h2",
                    account_id="a2",
                    field="notes",
                    old_value=None,
                    new_value="x",
                    source="app",
                    changed_at=T0,
                )
            ],
        )


def check_merged(engine: Engine) -> None:
    assert dbmod.current_revision(engine) == dbmod.HEAD_REVISION
    with engine.connect() as conn:
        ids = sorted(conn.execute(sa.text("SELECT id FROM account")).scalars())
        outcome = conn.execute(sa.text("SELECT account_id FROM outcome")).scalar_one()
        stop = conn.execute(sa.text("SELECT account_id FROM route_stop")).scalar_one()
        history = conn.execute(
            sa.text("SELECT account_id, field, old_value, new_value, source FROM account_change")
        ).all()
    assert ids == ["a1", "b1", "c1"]
    assert (outcome, stop) == ("a1", "a1")
    assert ("a1", "notes", None, "x", "app") in history
    merged = sorted(
        json.loads(old)["id"] for acc, field, old, new, src in history if field == "merged_account"
    )
    assert merged == ["a2", "a3"]
    assert all(acc == "a1" for acc, field, *_ in history)
    # The database now refuses a second account with that key and no external id...
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(Account.__table__.insert(), [_account("a4", "k", 4)])  # type: ignore[attr-defined]
    # ...but an account with its own external id may share it, as before.
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), [_account("b2", "k", 4, "X2")])  # type: ignore[attr-defined]


def test_duplicates_are_merged_with_their_history_then_the_key_is_unique(db_path: Path) -> None:
    engine = dbmod.create_db_engine(dbmod.database_url(db_path))
    seed_duplicates(engine)
    dbmod.upgrade(engine)
    check_merged(engine)


def test_downgrade_drops_the_unique_index(db_path: Path) -> None:
    engine = dbmod.create_db_engine(dbmod.database_url(db_path))
    dbmod.upgrade(engine)
    command.downgrade(dbmod.alembic_config(engine), "0005")
    with engine.begin() as conn:
        conn.execute(Account.__table__.insert(), [_account("a1", "k", 1), _account("a2", "k", 2)])  # type: ignore[attr-defined]
    assert dbmod.current_revision(engine) == "0005"
