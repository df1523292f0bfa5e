"""The KPI SQL on PostgreSQL: the hand-worked figures of tests/store/test_kpi_report.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.kpi_report import kpi_report_for
from fieldsales.store.db import open_engine

TODAY = date(2026, 11, 30)  # the dataset's today (tests/conftest.py: kpi_dataset)


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """The shared fixtures (add_account, kpi_dataset) on PostgreSQL instead of SQLite."""
    eng = open_engine(pg_url)
    yield eng
    eng.dispose()


def _figures(engine: Engine, settings: Settings, by: str, **kw) -> list[tuple[object, ...]]:
    report = kpi_report_for(engine, settings, by=by, today=TODAY, offset_minutes=0, **kw)
    return [
        (
            r.group,
            r.targets,
            r.contacted,
            r.reached,
            r.appointed,
            r.ordered,
            r.revenue,
            r.reactivated,
            r.cost,
        )
        for r in [*report.rows, report.total]
    ]


def test_kpis_on_postgres(engine: Engine, settings: Settings, kpi_dataset: dict[str, str]) -> None:
    nov: dict[str, Any] = {"period": "2026-11"}
    assert _figures(engine, settings, "rank", **nov) == [
        ("A", 1, 1, 1, 1, 1, 1_000_000, 1, 3_000),
        ("B", 1, 1, 1, 1, 1, 500_000, 0, 3_000),
        ("C", 2, 1, 0, 0, 0, 0, 0, 2_000),
        ("D", 1, 1, 1, 0, 0, 0, 0, 320),
        ("total", 5, 4, 3, 2, 2, 1_500_000, 1, 8_320),
    ]
    assert _figures(engine, settings, "channel", **nov)[:4] == [
        ("dm", 5, 1, 1, 0, 0, 0, 0, 300),
        ("email", 5, 1, 0, 0, 0, 0, 0, 20),
        ("phone", 5, 2, 1, 1, 1, 1_000_000, 1, 3_000),
        ("visit", 5, 2, 2, 2, 1, 500_000, 0, 5_000),
    ]
    weeks = [(g, n) for g, _, n, *_ in _figures(engine, settings, "week", **nov)]
    assert weeks == [("2026-11-02", 3), ("2026-11-09", 2), ("2026-11-16", 1), ("total", 4)]
    months = [(g, n) for g, _, n, *_ in _figures(engine, settings, "month")]
    assert months == [("2026-10", 1), ("2026-11", 4), ("total", 4)]
    west = kpi_report_for(engine, settings, by="week", offset_minutes=-300)
    assert west.rows[0].group == "2026-10-19"  # 2026-10-20 03:00 UTC is Monday 10-19 at UTC-5
    reasons = [(g, t, n) for g, t, n, *_ in _figures(engine, settings, "reason", **nov)]
    assert reasons == [("forgotten", 1, 1), ("need_gone", 1, 1), ("price", 3, 2), ("total", 5, 4)]
    # money, retention, coverage and filters: the same SQL on PostgreSQL
    report = kpi_report_for(engine, settings, by="rank", today=TODAY, offset_minutes=0, **nov)
    assert (report.total.gross_profit, report.total.revived_due) == (450_000, 0)
    assert (report.total.coverage_targets, report.total.covered) == (4, 3)
    price = _figures(engine, settings, "channel", reason="price", **nov)
    assert [(g, t, n) for g, t, n, *_ in price] == [
        ("phone", 3, 1),
        ("visit", 3, 1),
        ("total", 3, 2),
    ]
    ranked = _figures(engine, settings, "channel", rank="A", **nov)
    assert [(g, n) for g, _, n, *_ in ranked] == [("phone", 1), ("visit", 1), ("total", 1)]
