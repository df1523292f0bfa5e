"""A chunk of rows read a column at a time (RowReader.convert_many, what an
import does) gives each row what reading it on its own gives: the same
values, the same problems in the same order, the same counts of words read
as another."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsales.domain import columns as cols
from fieldsales.domain import parse

VOCAB = cols.Vocabulary(
    reason_solvable=("unsolvable", "hard", "partly", "mostly", "solved", "unknown"),
    competitor_status=("long_contract", "main_supplier", "partial", "trial", "none", "unknown"),
    digital_responsiveness=("never", "low", "medium", "high", "very_high", "unknown"),
)
TODAY = date(2026, 11, 22)

# Cells that read, cells that do not, blanks and problems (future dates,
# out-of-range numbers, first order after the last, lat without lon).
CELLS = {
    "company": ["山田工業", "", " ", "株式会社ＡＢＣ", "x" * 201, "'=1+2"],
    "address": ["丸の内1-1-1", "", "梅田2丁目3番4号"],
    "lat": ["35.68", "", "91", "abc", "-12.5"],
    "lon": ["139.76", "", "181", "ｘ", "139"],
    "lifetime_revenue": ["1,200,000", "¥500", "", "-5", "△500", "12.5", "abc"],
    "first_order_date": ["2024-04-01", "令和5年4月15日", "", "2030-01-01", "2024/13/01", "x"],
    "last_order_date": ["2023-01-01", "2025-06-30", "", "R5.4.15", "2027-01-01"],
    "main_reason": ["価格", "competitor", "競合に切替", "", "客先都合", "price"],
    "other_reasons": ["価格、競合", "", "forgotten/price", "謎"],
    "do_not_contact": ["1", "はい", "", "no", "maybe", "○"],
    "purchase_cycle_days": ["30", "0", "", "1.5", "x"],
    "closed_weekdays": ["土日", "", "水曜日", "月火水木金土日祝", "xyz"],
    "opening_hours": ["9:00-17:00", "", "9時～17時", "25:00-26:00", "x"],
    "gross_margin": ["32%", "0.3", "", "150%", "x"],
}


@st.composite
def chunks(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    names = draw(st.lists(st.sampled_from(sorted(CELLS)), min_size=1, unique=True))
    rows = draw(
        st.lists(st.fixed_dictionaries({n: st.sampled_from(CELLS[n]) for n in names}), max_size=12)
    )
    return names, rows


def reference(names: list[str], row: dict[str, str]) -> cols.RowResult:
    """One row read cell by cell with the column's own parser and checks."""
    out = cols.RowResult()
    for name in names:
        col, raw = cols.BY_NAME[name], row[name]
        if col.kind == "text":
            value = parse.clean_text(raw)
            if value is not None and col.max_len is not None and len(value) > col.max_len:
                out.errors.append(
                    cols.CellError(name, raw, f"longer than {col.max_len} characters")
                )
                continue
        elif not raw.strip():
            value = None
        else:
            try:
                value = cols._reader(col, VOCAB)(raw)
            except parse.UnknownValue as exc:
                out.errors.append(cols.CellError(name, exc.value, str(exc), exc.allowed))
                continue
            except ValueError as exc:
                out.errors.append(cols.CellError(name, raw, str(exc)))
                continue
            problem = cols._check(col, value, TODAY)
            if problem:
                out.errors.append(cols.CellError(name, raw, problem))
                continue
        for k, part in enumerate(col.fields):
            out.values[part] = value if not col.stores or value is None else value[k]
    if "company" in names and out.values.get("company") is None and not cols._has(out, "company"):
        out.errors.append(cols.CellError("company", row["company"], "company is required"))
    cols._cross_checks(out, [[row[n]] for n in names], {n: j for j, n in enumerate(names)}, 0)
    return out


@settings(max_examples=300, deadline=None)
@given(chunks())
def test_a_chunk_reads_as_each_row_on_its_own(
    chunk: tuple[list[str], list[dict[str, str]]],
) -> None:
    names, rows = chunk
    many = cols.RowReader(VOCAB, TODAY)
    results = many.convert_many(names, [[r[n] for r in rows] for n in names])
    one = cols.RowReader(VOCAB, TODAY)
    alone = [one.convert({n: r[n] for n in names}) for r in rows]
    expected = [reference(names, r) for r in rows]
    assert [r.values for r in results] == [r.values for r in alone] == [r.values for r in expected]
    assert [r.errors for r in results] == [r.errors for r in alone] == [r.errors for r in expected]
    assert many.translated == one.translated
