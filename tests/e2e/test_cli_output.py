"""What a user sees of `fieldsales rank` in a 140-column terminal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def test_rank_table_keeps_numbers_whole_on_a_140_column_terminal(
    cli: Any, add_account: Any, db_path: Path
) -> None:
    # Long names and far-away accounts: the squeeze must fall on the names,
    # never on the distance or the months a rep reads off the table.
    for i in range(5):
        add_account(
            company=f"東和ロジスティクスホールディングス株式会社{i}",
            site="第二物流センター",
            city="横浜市中区",
            lat=35.44 + i * 0.01,
            lon=139.64,
        )
    proc = cli("--db", str(db_path), "rank", columns=140)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = [c.strip() for c in next(x for x in lines if "┃ company" in x).split("┃")]
    assert "months" in header, header
    rows = [[c.strip() for c in x.split("│")] for x in lines if "東和" in x]
    assert len(rows) == 5
    for row in rows:
        assert re.fullmatch(r"\d+\.\d", row[header.index("km")]), row
        assert re.fullmatch(r"\d+", row[header.index("months")]), row
