"""The ranking's whole-column read on PostgreSQL (string_agg in id order): the
same values, in the same rows, as reading them row by row."""

from __future__ import annotations

from datetime import date

import numpy as np

from fieldsales.store import queries, unit
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account
from tests.speed.test_rank_columns import _as_list


def test_whole_columns_equal_rows_on_postgresql(pg_url: str) -> None:
    engine = open_engine(pg_url)
    with session_scope(engine) as s:
        s.add_all(
            [
                Account(
                    company="甲", match_key="a", lat=35.123456789012345, lon=139.98765432109876,
                    lifetime_revenue=1, last_order_date=date(2024, 2, 29),
                    purchase_cycle_days=30, site="本店",
                ),
                Account(
                    company="乙", match_key="b", lat=None, lon=None, geo_precision="none",
                    lifetime_revenue=10**12, last_order_date=None, purchase_cycle_days=None,
                    do_not_contact=True, reason_solvable="solved", owner_rep=None,
                ),
                Account(
                    company="丙,\t'quote\"", match_key="c", site="", city="さいたま市",
                    owner_rep="佐藤",
                ),
            ]
        )  # fmt: skip
    names = (*queries.rank_fields(), *queries.LIST_FIELDS)
    with unit.reading(engine) as session:
        whole = queries.rank_columns(session, names=names)
        ids = list(whole["id"])
        rows = queries.rank_columns(session, ids, names=names)  # row by row, by id
    engine.dispose()
    assert len(ids) == 3
    assert isinstance(whole["lat"], np.ndarray)  # the fast path was taken
    assert isinstance(whole["last_order_date"], np.ndarray)
    order = [list(rows["id"]).index(a) for a in ids]
    for name in names:
        by_rows = [_as_list(rows[name])[k] for k in order]
        got = _as_list(whole[name])
        if name == "do_not_contact":
            by_rows, got = [bool(v) for v in by_rows], [bool(v) for v in got]
        assert got == by_rows, name
