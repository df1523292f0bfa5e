"""`fieldsales rank` as a user runs it: a real process on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fieldsales.store.db import session_scope
from fieldsales.store.models import Outcome


def seed(add_account: Any) -> dict[str, Any]:
    big = add_account(
        company="大和精機株式会社",
        lifetime_revenue=20_000_000,
        reason_solvable="solved",
        competitor_status="none",
        digital_responsiveness="high",
        last_order_date=date(2026, 3, 1),
    )
    small = add_account(
        company="小林商店",
        lifetime_revenue=80_000,
        reason_solvable="unsolvable",
        competitor_status="long_contract",
        digital_responsiveness="never",
        last_order_date=date(2020, 1, 1),
        lat=35.9,
        lon=139.6,
    )
    nopos = add_account(
        company="位置不明工業",
        lat=None,
        lon=None,
        geo_precision="none",
        prefecture="埼玉県",
        city="川口市",
    )
    dnc = add_account(company="連絡不可産業", do_not_contact=True, lifetime_revenue=50_000_000)
    return {"big": big, "small": small, "nopos": nopos, "dnc": dnc}


def test_rank_json_orders_best_first_and_hides_do_not_contact(
    fieldsales: Any, add_account: Any, db_path: Path, isolated_home: Path
) -> None:
    acc = seed(add_account)
    proc = fieldsales(isolated_home, "--db", str(db_path), "rank", "--json", "--date", "2026-11-22")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    companies = [a["company"] for a in data["accounts"]]
    assert companies[0] == "大和精機株式会社"
    assert "連絡不可産業" not in companies
    assert companies.index("小林商店") > companies.index("大和精機株式会社")
    nopos = next(a for a in data["accounts"] if a["id"] == acc["nopos"].id)
    assert nopos["no_location"] is True and nopos["distance_km"] is None
    assert nopos["breakdown"]["proximity"]["score"] is None
    top = data["accounts"][0]
    assert set(top["breakdown"]) == {
        "past_revenue",
        "dormancy_length",
        "reason_solvable",
        "competitor_status",
        "proximity",
        "digital_responsiveness",
    }
    assert top["total"] == round(sum(c["points"] for c in top["breakdown"].values()), 1)


def test_rank_filters_and_reference_point(
    fieldsales: Any, add_account: Any, db_path: Path, isolated_home: Path
) -> None:
    seed(add_account)
    args = ["--db", str(db_path), "rank", "--json", "--date", "2026-11-22"]
    near = json.loads(
        fieldsales(isolated_home, *args, "--from", "35.9,139.6", "--within", "1").stdout
    )
    assert [a["company"] for a in near["accounts"]] == ["小林商店"]
    assert near["origin"]["lat"] == 35.9
    pref = json.loads(fieldsales(isolated_home, *args, "--prefecture", "埼玉県").stdout)
    assert [a["company"] for a in pref["accounts"]] == ["位置不明工業"]
    ranks = json.loads(fieldsales(isolated_home, *args, "--rank", "D").stdout)
    assert all(a["rank"] == "D" for a in ranks["accounts"]) and ranks["accounts"]
    by_name = json.loads(fieldsales(isolated_home, *args, "--search", "精機").stdout)
    assert [a["company"] for a in by_name["accounts"]] == ["大和精機株式会社"]


def test_rank_from_account_and_paused_after_two_refusals(
    fieldsales: Any, add_account: Any, engine: Any, db_path: Path, isolated_home: Path
) -> None:
    acc = seed(add_account)
    with session_scope(engine) as s:
        for day in (1, 20):
            s.add(
                Outcome(
                    account_id=acc["big"].id,
                    rep="sato",
                    channel="phone",
                    occurred_at=datetime(2026, 11, day, 1, tzinfo=UTC),
                    result="refused",
                )
            )
    proc = fieldsales(
        isolated_home,
        "--db",
        str(db_path),
        "rank",
        "--json",
        "--date",
        "2026-11-22",
        "--from",
        acc["small"].external_id,
    )
    data = json.loads(proc.stdout)
    assert data["origin"]["label"] == "小林商店"
    assert "大和精機株式会社" not in [a["company"] for a in data["accounts"]]


def test_rank_table_and_errors(
    fieldsales: Any, add_account: Any, db_path: Path, isolated_home: Path
) -> None:
    seed(add_account)
    proc = fieldsales(isolated_home, "--db", str(db_path), "rank", "--date", "2026-11-22")
    assert proc.returncode == 0
    assert "大和精機株式会社" in proc.stdout and "no location" in proc.stdout
    bad = fieldsales(isolated_home, "--db", str(db_path), "rank", "--from", "nowhere")
    assert bad.returncode == 2 and "nowhere: not an account, nor a postal code" in bad.stderr
    # a postal code (or an address) is located offline
    osaka = fieldsales(
        isolated_home, "--db", str(db_path), "rank", "--json", "--from", "〒530-0001"
    )
    assert "梅田" in json.loads(osaka.stdout)["origin"]["label"]
    bad = fieldsales(isolated_home, "--db", str(db_path), "rank", "--stage", "sleeping")
    assert bad.returncode == 2 and "unknown stage sleeping" in bad.stderr
    bad = fieldsales(isolated_home, "--db", str(db_path), "rank", "--from", "95,10")
    assert bad.returncode == 2 and "latitude" in bad.stderr


def test_help_lists_every_command(fieldsales: Any, isolated_home: Path) -> None:
    proc = fieldsales(isolated_home, "--help")
    assert proc.returncode == 0
    for cmd in ("rank", "import", "export", "demo", "config"):
        assert f"\n    {cmd} " in proc.stdout or f"    {cmd}\n" in proc.stdout, cmd
    sub = fieldsales(isolated_home, "rank", "--help")
    assert "examples:" in sub.stdout
