"""The ranking reads whole columns at once on SQLite: the same values, in the
same rows, as reading them row by row."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from fieldsales.store import queries, unit


def _as_list(values: Any) -> list[Any]:
    out = []
    for v in values:
        if isinstance(v, np.datetime64):
            v = None if np.isnat(v) else v.astype(date)
        elif isinstance(v, (float, np.floating)) and np.isnan(v):
            v = None
        elif isinstance(v, np.floating):
            v = float(v)
        elif isinstance(v, str) and len(v) == 10 and v[4] == "-":
            v = date.fromisoformat(v)
        out.append(v)
    return out


def test_whole_columns_equal_rows(add_account: Any, engine: Any) -> None:
    add_account(
        company="甲", lat=35.123456789012345, lon=139.98765432109876, lifetime_revenue=1,
        last_order_date=date(2024, 2, 29), purchase_cycle_days=30, site="本店",
    )  # fmt: skip
    add_account(
        company="乙", lat=None, lon=None, geo_precision="none", lifetime_revenue=10**12,
        last_order_date=None, purchase_cycle_days=None, do_not_contact=True,
        reason_solvable="solved", owner_rep=None,
    )  # fmt: skip
    add_account(company="丙,\t'quote\"", site="", city="さいたま市", owner_rep="佐藤")
    names = (*queries.rank_fields(), *queries.LIST_FIELDS)
    with unit.reading(engine) as session:
        whole = queries.rank_columns(session, names=names)
        ids = list(whole["id"])
        rows = queries.rank_columns(session, ids, names=names)  # row by row, by id
    assert isinstance(whole["lat"], np.ndarray)  # the fast path was taken
    assert isinstance(whole["last_order_date"], np.ndarray)
    order = [list(rows["id"]).index(a) for a in ids]
    for name in names:
        by_rows = [_as_list(rows[name])[k] for k in order]
        got = _as_list(whole[name])
        if name == "do_not_contact":
            by_rows, got = [bool(v) for v in by_rows], [bool(v) for v in got]
        assert got == by_rows, name


def test_empty_base(engine: Any) -> None:
    with unit.reading(engine) as session:
        cols = queries.rank_columns(session)
    assert all(len(v) == 0 for v in cols.values())


def test_id_lookups_of_a_whole_column_equal_a_dict() -> None:
    import uuid

    from fieldsales.store.queries import IdIndex

    ids = [str(uuid.uuid4()) for _ in range(300)]
    index = IdIndex(ids)
    unknown = str(uuid.uuid4())
    wanted = [ids[7], unknown, ids[0], ids[299], ids[7], "short", "é" * 36]
    expect = [7, -1, 0, 299, 7, -1, -1]
    assert index.positions_of_text(wanted).tolist() == expect
    assert index.positions_of_text(wanted[:5]).tolist() == expect[:5]  # the bytes path
    # ids that are no uuid4 text (an imported base's own): the dict path
    other = IdIndex(["a", "bb", ids[3]])
    assert other.positions_of_text(["bb", ids[3], "zz"]).tolist() == [1, 2, -1]
