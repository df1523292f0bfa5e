"""Issue 17: real CRM exports import without hand-editing. Their own words for
the closed vocabularies, units in headers, an unknown value named once with
the way to map it (--map-value, import.values), and --dry-run."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldsales.store.db import open_engine
from tests.conftest import CliRunner

HEADER = (
    "顧客コード,会社名,都道府県,住所,購買サイクル(月),休眠理由,競合状況,デジタル反応,"
    "解決度,連絡不可,好きな色"
)
# Every row a way a CRM writes the values (none of them the app's own keys).
REASONS = ["競合に切替", "他社に切り替え", "価格が高い", "Switched to competitor"]
COMPETITOR = ["併用", "契約中", "main supplier", "利用なし"]
DIGITAL = ["高い", "無反応", "普通", "very high"]
SOLVABLE = ["一部", "解決済み", "困難", "not solvable"]
DNC = ["済", "○", "TRUE", "はい", "1", "yes", "", "0", "いいえ", "no"]
ROWS = 40


def crm_lines(reason: str | None = None, header: str = HEADER) -> list[str]:
    lines = [header]
    for i in range(ROWS):
        lines.append(
            f"C{i:03},株式会社テスト{i},東京都,千代田区丸の内1-{i},{i % 4 + 1},"
            f"{reason or REASONS[i % 4]},{COMPETITOR[i % 4]},{DIGITAL[i % 4]},"
            f"{SOLVABLE[i % 4]},{DNC[i % 10]},青"
        )
    return lines


def write_cp932(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\r\n".join(lines).encode("cp932") + b"\r\n")
    return path


def stored(db: Path) -> dict[str, tuple[object, ...]]:
    engine = open_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT external_id, purchase_cycle_days, main_reason, competitor_status, "
                "digital_responsiveness, reason_solvable, do_not_contact FROM account"
            )
        )
        out = {r[0]: tuple(r[1:]) for r in rows}
    engine.dispose()
    return out


def dump(db: Path) -> list[str]:
    engine = open_engine(db)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        lines = list(raw.iterdump())
    engine.dispose()
    return lines


def test_a_cp932_crm_export_imports_cleanly(cli: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    path = write_cp932(tmp_path / "crm.csv", crm_lines())
    result = cli("--db", str(db), "import", "--no-locate", str(path))
    assert result.returncode == 0, result.stderr
    assert f"{ROWS} created" in result.stdout
    accounts = stored(db)
    assert len(accounts) == ROWS
    # months -> days: the mean Gregorian month, 30.436875 days, rounded
    assert [accounts[f"C{i:03}"][0] for i in range(4)] == [30, 61, 91, 122]
    assert accounts["C000"][1:] == ("competitor", "partial", "high", "partly", 1)
    assert accounts["C001"][1:] == ("competitor", "long_contract", "never", "solved", 1)
    assert accounts["C002"][1:] == ("price", "main_supplier", "medium", "hard", 1)
    assert accounts["C003"][1:] == ("competitor", "none", "very_high", "unsolvable", 1)
    assert [accounts[f"C{i:03}"][5] for i in range(10)] == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    # the column not read is said last, with the way to read it
    last = result.stderr.strip().splitlines()[-1]
    assert "好きな色" in last and "--map" in last


@pytest.mark.parametrize(
    ("header", "cycle", "days"),
    [
        ("購買サイクル(年)", "2", 730),
        ("購買周期(ヶ月)", "3", 91),
        ("発注周期（か月）", "12", 365),
        ("purchase cycle (months)", "1.5", 46),
        ("cycle (y)", "1", 365),
        ("cycle_days", "45", 45),
        ("購買周期(日)", "45", 45),
    ],
)
def test_units_in_headers_are_converted_to_days(
    cli: CliRunner, tmp_path: Path, header: str, cycle: str, days: int
) -> None:
    db = tmp_path / "f.db"
    path = write_cp932(tmp_path / "a.csv", [f"顧客コード,会社名,{header}", f"C1,山田工業,{cycle}"])
    result = cli("--db", str(db), "import", "--no-locate", str(path))
    assert result.returncode == 0, result.stderr
    assert stored(db)["C1"][0] == days


def test_an_unknown_value_is_named_once_with_its_rows_and_the_way_to_map_it(
    cli: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "f.db"
    cli("--db", str(db), "import", "--no-locate", str(write_cp932(tmp_path / "s.csv", [HEADER])))
    before = dump(db)
    path = write_cp932(tmp_path / "crm.csv", crm_lines("客先都合"))
    result = cli("--db", str(db), "import", "--no-locate", str(path))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "客先都合" in line]
    assert len(lines) == 1, result.stderr  # once, not once per row
    (line,) = lines
    assert f"main_reason: unknown value '客先都合' in {ROWS} row(s)" in line
    assert "allowed: product, price, customer_change" in line
    assert "--map-value 'main_reason:客先都合=CODE'" in line
    assert "import.values" in line
    assert "nothing was imported" in result.stderr
    assert dump(db) == before

    mapped = cli(
        "--db",
        str(db),
        "import",
        "--no-locate",
        "--map-value",
        "main_reason:客先都合=customer_change",
        str(path),
    )
    assert mapped.returncode == 0, mapped.stderr
    accounts = stored(db)
    assert len(accounts) == ROWS
    assert {a[1] for a in accounts.values()} == {"customer_change"}


def test_import_values_in_the_config_map_a_value(cli: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        'import:\n  values:\n    休眠理由: {客先都合: customer_change}\n    do_not_contact: {"済": false}\n',
        encoding="utf-8",
    )
    path = write_cp932(tmp_path / "crm.csv", crm_lines("客先都合"))
    result = cli("--config", str(config), "--db", str(db), "import", "--no-locate", str(path))
    assert result.returncode == 0, result.stderr
    accounts = stored(db)
    assert {a[1] for a in accounts.values()} == {"customer_change"}
    assert accounts["C000"][5] == 0  # 済 as this CRM means it (the config wins)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("main_reason:客先都合=weather", "unknown code 'weather'; allowed: product"),
        ("company:X=Y", "not a field with a closed vocabulary"),
        ("main_reason=competitor", "expected FIELD:VALUE=CODE"),
        ("do_not_contact:ダメ=maybe", "allowed: true, false"),
    ],
)
def test_a_bad_value_mapping_is_refused(
    cli: CliRunner, tmp_path: Path, item: str, message: str
) -> None:
    path = write_cp932(tmp_path / "crm.csv", crm_lines())
    result = cli("--db", str(tmp_path / "f.db"), "import", "--map-value", item, str(path))
    assert result.returncode == 2
    assert message in result.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(cli: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    lines = crm_lines()
    seed = write_cp932(tmp_path / "seed.csv", lines[:11])  # 10 accounts already there
    assert cli("--db", str(db), "import", "--no-locate", str(seed)).returncode == 0
    before = dump(db)
    changed = [lines[0], *(line.replace("青", "赤") for line in lines[1:])]
    changed[1] = changed[1].replace(",1,競合に切替,", ",6,競合に切替,")  # a new cycle
    path = write_cp932(tmp_path / "crm.csv", changed)
    result = cli("--db", str(db), "import", "--no-locate", "--dry-run", str(path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "購買サイクル(月) → purchase_cycle_days (月 × 30.4369 → days, rounded)" in out
    assert "休眠理由 → main_reason" in out
    assert "好きな色 → (not imported)" in out
    assert "main_reason: 競合に切替 → competitor (10 row(s))" in out
    assert "do_not_contact: 済 → true (4 row(s))" in out
    assert (
        f"dry run, nothing written: crm.csv (cp932): {ROWS - 10} would be created, "
        "1 would be updated, 9 unchanged, 0 would be rejected"
    ) in out
    assert dump(db) == before


def test_dry_run_of_a_file_with_an_unknown_value(cli: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    path = write_cp932(tmp_path / "crm.csv", crm_lines("客先都合"))
    result = cli("--db", str(db), "import", "--dry-run", str(path))
    assert result.returncode == 1
    assert "would be refused" in result.stderr
    assert "--map-value 'main_reason:客先都合=CODE'" in result.stderr
    assert stored(db) == {}
