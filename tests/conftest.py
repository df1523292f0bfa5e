"""Shared fixtures: an isolated home, default settings, a real SQLite file."""

from __future__ import annotations

import gc
import os
import random
import shutil
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings, default_settings
from fieldsales.domain.text import fold
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user config/data dirs; the real home is never touched."""
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDSALES_HOME", str(home))
    monkeypatch.delenv("FIELDSALES_CONFIG", raising=False)
    monkeypatch.delenv("FIELDSALES_DATABASE_URL", raising=False)
    monkeypatch.delenv("FIELDSALES_REMOTE", raising=False)
    return home


@pytest.fixture
def computer_in_new_york() -> Iterator[None]:
    """The computer's own zone is neither Tokyo nor UTC: a test using it proves that
    config `timezone`, not the process's zone, decides the days."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def settings() -> Settings:
    return default_settings()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fieldsales.db"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the head revision, made once per test process (per xdist worker)."""
    path = tmp_path_factory.mktemp("template") / "head.db"
    open_engine(path).dispose()  # the last connection closed: the WAL is in the file
    return path


@pytest.fixture
def engine(db_path: Path, migrated_template: Path) -> Iterator[Engine]:
    """A fresh database file at head; a copy of the template, so Alembic runs once."""
    shutil.copyfile(migrated_template, db_path)
    eng = open_engine(db_path)
    yield eng
    eng.dispose()


AccountFactory = Callable[..., Account]


@pytest.fixture
def add_account(engine: Engine) -> AccountFactory:
    """Insert an account with plausible defaults; keyword arguments override fields."""
    counter = iter(range(1, 1_000_000))

    def make(**fields: Any) -> Account:
        n = next(counter)
        values: dict[str, Any] = {
            "external_id": f"T{n:05d}",
            "company": f"テスト商事{n}",
            "address": f"東京都千代田区丸の内{n}-1",
            "prefecture": "東京都",
            "city": "千代田区",
            "lat": 35.68,
            "lon": 139.76,
            "geo_precision": "street",
            "lifetime_revenue": 3_000_000,
            "last_order_date": date(2025, 1, 15),
            "purchase_cycle_days": 60,
            "main_reason": "price",
            "reason_solvable": "partly",
            "competitor_status": "partial",
            "digital_responsiveness": "medium",
        }
        values.update(fields)
        values.setdefault("match_key", fold(f"{values['company']}|{values.get('address') or ''}"))
        acc = Account(**values)
        with session_scope(engine) as s:
            s.add(acc)
        return acc

    return make


KPI_TODAY = date(2026, 11, 30)


def _log(engine: Engine, settings: Settings, account_id: str, day: date, **kw) -> str:
    kw.setdefault("rep", "Sato")
    moment = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    data = OutcomeInput(account_id=account_id, occurred_at=moment, **kw)
    return log_outcome(engine, settings, data, today=KPI_TODAY).id


@pytest.fixture
def kpi_dataset(engine: Engine, settings: Settings, add_account: AccountFactory) -> dict[str, str]:
    """Five accounts (ranks A, C, B, C, D today), four contacted in November 2026."""
    strong = dict(lifetime_revenue=50_000_000, reason_solvable="yes", competitor_status="none",
                  digital_responsiveness="high")  # fmt: skip
    near = dict(lat=settings.office.lat, lon=settings.office.lon)
    a = add_account(company="A社", main_reason="forgotten", last_order_date=date(2025, 10, 1),
                    **strong, **near)  # fmt: skip
    c = add_account(company="C社", **near)  # dormant since 2025-01-15
    # c2 orders 2026-11-18, 48 days after its last order: no reactivation
    c2 = add_account(company="C社2", last_order_date=date(2026, 10, 1), **near)
    x = add_account(company="未接触", **near)  # never contacted
    d = add_account(company="D社", main_reason="need_gone", lifetime_revenue=10_000,
                    reason_solvable="no", competitor_status="full", digital_responsiveness="low",
                    lat=43.0, lon=141.3, last_order_date=date(2016, 1, 1))  # fmt: skip
    # a: appointment at a visit, then an order: a reactivation (dormant for 405 days)
    _log(engine, settings, a.id, date(2026, 10, 20), channel="phone", result="contacted")
    _log(engine, settings, a.id, date(2026, 11, 3), channel="visit", result="appointment",
         visit_stage="met", cost=2_000)  # fmt: skip
    _log(engine, settings, a.id, date(2026, 11, 10), channel="phone", result="order",
         order_amount=1_000_000)  # fmt: skip
    # c: nobody answered, twice (once by Kato)
    _log(engine, settings, c.id, date(2026, 11, 4), channel="phone", result="no_answer")
    _log(engine, settings, c.id, date(2026, 11, 5), channel="phone", result="no_answer",
         rep="Kato")  # fmt: skip
    # d: no answer by email; an order logged by mistake, corrected to "interested";
    # an appointment logged, then undone
    _log(engine, settings, d.id, date(2026, 11, 6), channel="email", result="no_answer")
    wrong = _log(engine, settings, d.id, date(2026, 11, 12), channel="dm", result="order",
                 order_amount=300_000)  # fmt: skip
    _log(engine, settings, d.id, date(2026, 11, 12), channel="dm", result="interested",
         supersedes=wrong)  # fmt: skip
    _log(engine, settings, d.id, date(2026, 11, 20), channel="phone", result="appointment")
    undo_last(engine, settings, d.id, today=KPI_TODAY)
    # c2: an order at a visit, not a reactivation (it bought in October)
    _log(engine, settings, c2.id, date(2026, 11, 18), channel="visit", result="order",
         visit_stage="met", order_amount=500_000, cost=3_000)  # fmt: skip
    return {"a": a.id, "c": c.id, "c2": c2.id, "x": x.id, "d": d.id}


# -- the `fieldsales` command, in this process ------------------------------------------


class CliResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


CliRunner = Callable[..., CliResult]

# what would make Rich or the settings depend on the terminal the tests run in
_CLI_ENV_DROPPED = ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES",
                    "FIELDSALES_CONFIG")  # fmt: skip


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`fieldsales ARGS` through `fieldsales.cli.main`: exit code, stdout and stderr.

    In-process (a child Python costs a second of start-up per call); a real
    process is for what only one shows: kills, pipes, start-up, the real stdout.
    `home` is the user's home (default: the test's isolated one), `columns` the
    terminal width Rich and argparse lay out for.
    """

    def run(*args: str, home: Path | None = None, columns: int = 200) -> CliResult:
        from fieldsales.cli import main

        if home is not None:
            monkeypatch.setenv("FIELDSALES_HOME", str(home))
        monkeypatch.setenv("COLUMNS", str(columns))
        for name in _CLI_ENV_DROPPED:
            monkeypatch.delenv(name, raising=False)
        capsys.readouterr()  # what the test printed before is not the command's
        try:
            code = main(list(args))
        except SystemExit as exc:  # --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        # as at a process's exit: the command's engine goes, its SQLite connections close
        # (and checkpoint the WAL into the database file)
        gc.collect()
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


# -- dormant accounts around the office, for the routing and Plan screen tests ------

OFFICE = (35.681236, 139.767125)


def seed_route_accounts(
    engine: Engine, n: int, *, seed: int = 7, spread: float = 0.12
) -> list[str]:
    """n dormant accounts within ~15 km of the office; returns their ids."""
    rng = random.Random(seed)
    ids = []
    with session_scope(engine) as s:
        for i in range(n):
            acc = Account(
                external_id=f"R{i:04d}",
                match_key=fold(f"route{i}"),
                company=f"ルート商事{i}",
                address=f"東京都千代田区{i}-1",
                prefecture="東京都",
                city="千代田区",
                lat=OFFICE[0] + rng.uniform(-spread, spread),
                lon=OFFICE[1] + rng.uniform(-spread, spread),
                geo_precision="street",
                contact_name=f"担当{i}",
                phone=f"03-0000-{i:04d}",
                lifetime_revenue=rng.choice([500_000, 3_000_000, 8_000_000, 12_000_000]),
                average_order=rng.choice([None, 400_000, 1_500_000]),
                last_order_date=date(2024, rng.randint(1, 12), 15),
                purchase_cycle_days=60,
                main_reason=rng.choice(["price", "forgotten", "product", "customer_change"]),
                reason_solvable=rng.choice(["partly", "mostly", "solved"]),
                competitor_status=rng.choice(["partial", "none", "trial"]),
                digital_responsiveness=rng.choice(["low", "medium", "high"]),
            )
            s.add(acc)
            ids.append(acc.id)
    return ids


@pytest.fixture
def seeded(engine: Engine) -> Callable[..., list[str]]:
    def make(n: int = 40, **kw: Any) -> list[str]:
        return seed_route_accounts(engine, n, **kw)

    return make


@pytest.fixture
def seed_accounts() -> Callable[..., list[str]]:
    """`seed_accounts(engine, n)`: the same book on an engine of the test's own."""
    return seed_route_accounts


# -- reading back an .xlsx the way Excel would (openpyxl is not installed) ------

_XL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_BUILTIN_NUMFMTS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 14: "mm-dd-yy"}  # fmt: skip


class XlsxCell(NamedTuple):
    value: str | float | None
    type: str  # "string", "number", "formula" or "blank"
    format: str  # the number format, e.g. "#,##0"


class XlsxBook(NamedTuple):
    names: list[str]  # the files in the zip
    sheets: dict[str, dict[str, XlsxCell]]  # sheet name -> "B2" -> cell
    charts: list[str]  # the charts' XML

    def rows(self, sheet: str) -> list[list[XlsxCell]]:
        cells = self.sheets[sheet]
        grid: dict[int, dict[int, XlsxCell]] = {}
        for ref, cell in cells.items():
            letters = "".join(ch for ch in ref if ch.isalpha())
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            grid.setdefault(int(ref[len(letters) :]), {})[col - 1] = cell
        width = max((max(r) + 1 for r in grid.values()), default=0)
        blank = XlsxCell(None, "blank", "General")
        return [[grid[r].get(c, blank) for c in range(width)] for r in sorted(grid)]


def read_xlsx_file(path: Path) -> XlsxBook:
    """Sheets, cells with their type and number format, and the charts of an .xlsx."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        xml = {n: ET.fromstring(z.read(n)) for n in names if n.endswith(".xml")}
    strings = [
        "".join(t.text or "" for t in si.iter(f"{_XL}t"))
        for si in xml.get("xl/sharedStrings.xml", ET.Element("x")).iter(f"{_XL}si")
    ]
    styles = xml["xl/styles.xml"]
    fmts = dict(_BUILTIN_NUMFMTS)
    for nf in styles.iter(f"{_XL}numFmt"):
        fmts[int(nf.attrib["numFmtId"])] = nf.attrib["formatCode"]
    xfs = [int(xf.attrib.get("numFmtId", 0)) for xf in styles.find(f"{_XL}cellXfs") or []]
    sheets: dict[str, dict[str, XlsxCell]] = {}
    for i, sheet in enumerate(xml["xl/workbook.xml"].iter(f"{_XL}sheet"), 1):
        cells: dict[str, XlsxCell] = {}
        for c in xml[f"xl/worksheets/sheet{i}.xml"].iter(f"{_XL}c"):
            fmt = fmts.get(xfs[int(c.attrib.get("s", 0))], "?")
            v = c.find(f"{_XL}v")
            if c.find(f"{_XL}f") is not None:
                cells[c.attrib["r"]] = XlsxCell(None if v is None else v.text, "formula", fmt)
            elif v is None:
                cells[c.attrib["r"]] = XlsxCell(None, "blank", fmt)
            elif c.attrib.get("t") == "s":
                cells[c.attrib["r"]] = XlsxCell(strings[int(v.text or 0)], "string", fmt)
            else:
                cells[c.attrib["r"]] = XlsxCell(float(v.text or 0), "number", fmt)
        sheets[sheet.attrib["name"]] = cells
    charts = sorted(n for n in names if n.startswith("xl/charts/chart"))
    with zipfile.ZipFile(path) as z:
        chart_xml = [z.read(n).decode() for n in charts]
    return XlsxBook(names, sheets, chart_xml)


@pytest.fixture
def read_xlsx() -> Callable[[Path], XlsxBook]:
    return read_xlsx_file
