"""`fieldsales export-log` / `import-log` (issue 14 section 5): rep DB -> file -> lead DB.

In-process through cli.main on real SQLite files; the databases are read afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from fieldsales.cli import main
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcomes import OutcomeInput, log_outcome, state_of
from fieldsales.store import logio, queries
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account, Outcome, Route, RouteStop

TODAY = date(2026, 11, 20)
TABLES = ("account", "route", "route_stop", "outcome")


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def log(engine, settings, account_id, day, **kw) -> str:
    data = OutcomeInput(account_id=account_id, occurred_at=at(day), **kw)
    return log_outcome(engine, settings, data, today=TODAY).id


def dump(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t: sorted(tuple(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {t}")))
            for t in TABLES
        }


def counts(engine: Engine) -> dict[str, int]:
    return {t: len(rows) for t, rows in dump(engine).items()}


def cli(db: Path, *argv: str) -> int:
    return main(["--db", str(db), *argv])


@pytest.fixture
def rep_db(engine, db_path, settings, add_account):
    """The rep's laptop: three accounts, a route with two stops, corrections and an undo."""
    settings = settings.model_copy(update={"rep": "Sato"})
    a = add_account(external_id="C001", company="丸の内精機", last_order_date=date(2024, 1, 15))
    b = add_account(external_id="C002", company="大手町商事", last_order_date=date(2024, 3, 1))
    c = add_account(external_id="C003", company="神田工業")
    visit = TODAY - timedelta(days=5)
    with session_scope(engine) as s:
        route = Route(rep="Sato", day=visit, start_label="office", start_lat=35.0,
                      start_lon=139.0, end_label="office", end_lat=35.0, end_lon=139.0,
                      planned_revenue=900_000, planned_roi_pct=250.0)  # fmt: skip
        s.add(route)
        s.flush()
        stops = [
            RouteStop(route_id=route.id, account_id=acc.id, seq=n, status="done",
                      planned_arrival=at(visit, 1 + n), planned_departure=at(visit, 2 + n))
            for n, acc in enumerate((a, b), start=1)
        ]  # fmt: skip
        s.add_all(stops)
        s.flush()
        ids = {"route": route.id, "stop_a": stops[0].id}
    ids["visit"] = log(engine, settings, a.id, visit, channel="visit", result="next_action",
                       visit_stage="next_action", next_action="demo",
                       next_action_due=TODAY + timedelta(days=5), route_stop_id=ids["stop_a"],
                       rep="Sato")  # fmt: skip
    wrong = log(engine, settings, b.id, visit, result="refused", rep="Sato")
    ids["wrong"] = wrong
    ids["fixed"] = log(engine, settings, b.id, visit, result="interested", rep="Sato",
                       supersedes=wrong)  # fmt: skip
    ids["order"] = log(engine, settings, b.id, TODAY - timedelta(days=1), result="order",
                       order_amount=400_000, rep="Sato")  # fmt: skip
    ids["undo"] = undo_last(engine, settings, b.id, today=TODAY).event_id
    ids["old"] = log(engine, settings, c.id, date(2026, 9, 1), result="contacted", rep="Sato")
    ids["suzuki"] = log(engine, settings, c.id, TODAY - timedelta(days=2), result="no_answer",
                        rep="Suzuki")  # fmt: skip
    return ids


@pytest.fixture
def lead(tmp_path: Path, engine: Engine) -> Iterator[tuple[Path, Engine]]:
    """The lead's database: the same accounts (by external id) under other ids."""
    path = tmp_path / "lead.db"
    lead_engine = open_engine(path)
    with Session(engine) as s:
        accounts = list(s.execute(sa.select(Account)).scalars())
    with session_scope(lead_engine) as s:
        for acc in accounts:
            values = acc.model_dump(exclude={"id"})
            s.add(Account(**values))
    yield path, lead_engine
    lead_engine.dispose()


def states(engine: Engine, settings) -> dict[str, tuple]:
    """Stage and contact state per external id, as the app computes them."""
    with Session(engine) as s:
        accounts = list(s.execute(sa.select(Account)).scalars())
        facts = queries.outcome_facts(s)
    return {a.external_id: state_of(a, facts.get(a.id, []), settings, TODAY) for a in accounts}


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_round_trip_rep_to_file_to_lead(db_path, engine, rep_db, lead, settings, tmp_path, capsys):
    lead_path, lead_engine = lead
    out = tmp_path / "sato.jsonl"
    assert cli(db_path, "export-log", "-o", str(out)) == 0
    assert "exported 7 outcomes, 1 routes and 2 route stops" in capsys.readouterr().out
    lines = records(out)
    header, tail = lines[0], lines[-1]
    assert header["format"] == "fieldsales-log" and header["version"] == 1
    assert header["records"] == len(lines) - 2 == 10
    assert datetime.fromisoformat(header["exported_at"]).utcoffset() == timedelta(0)
    assert set(tail) == {"sha256"}
    outcome = next(r for r in lines[1:-1] if r["type"] == "outcome")
    assert outcome["account"] in {"C001", "C002", "C003"} and "account_id" not in outcome
    assert not list(tmp_path.glob("*.partial"))

    assert cli(lead_path, "import-log", str(out)) == 0
    assert "7 new outcomes, 0 already present" in capsys.readouterr().out
    rep, got = dump(engine), dump(lead_engine)
    for table in ("route", "outcome"):
        assert len(got[table]) == len(rep[table])
    with Session(engine) as s, Session(lead_engine) as t:
        ext = {
            a.id: a.external_id
            for sess in (s, t)
            for a in sess.execute(sa.select(Account)).scalars()
        }

        def facts(sess):
            return sorted(
                (o.id, ext[o.account_id], o.result, o.supersedes, o.route_stop_id, o.occurred_at)
                for o in sess.execute(sa.select(Outcome)).scalars()
            )

        def stops(sess):
            return sorted(
                (r.id, r.route_id, ext[r.account_id], r.seq, r.status, r.planned_arrival)
                for r in sess.execute(sa.select(RouteStop)).scalars()
            )

        assert facts(t) == facts(s)
        assert stops(t) == stops(s)
        route = t.get(Route, rep_db["route"])
        assert route is not None and route.planned_roi_pct == 250.0 and route.rep == "Sato"
        fixed, undo = t.get(Outcome, rep_db["fixed"]), t.get(Outcome, rep_db["undo"])
        assert fixed is not None and fixed.supersedes == rep_db["wrong"]
        assert undo is not None and undo.result == "undo"
    assert states(lead_engine, settings) == states(engine, settings)


def test_importing_twice_changes_nothing_and_says_so(db_path, rep_db, lead, tmp_path, capsys):
    lead_path, lead_engine = lead
    out = tmp_path / "sato.jsonl"
    assert cli(db_path, "export-log", "-o", str(out)) == 0
    assert cli(lead_path, "import-log", str(out)) == 0
    before = dump(lead_engine)
    capsys.readouterr()
    assert cli(lead_path, "import-log", str(out), str(out)) == 0
    said = capsys.readouterr().out
    assert said.count("0 new outcomes, 7 already present") == 2
    assert "0 new routes, 1 already present" in said and "0 new stops, 2 already present" in said
    assert dump(lead_engine) == before


def test_a_route_changed_after_an_earlier_export_is_updated(
    db_path, engine, rep_db, lead, tmp_path, capsys
):
    lead_path, lead_engine = lead
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    assert cli(db_path, "export-log", "-o", str(first)) == 0
    with session_scope(engine) as s:
        route = s.get(Route, rep_db["route"])
        assert route is not None
        route.status, route.actual_km = "done", 42.5
        route.updated_at = route.updated_at + timedelta(hours=1)
    assert cli(db_path, "export-log", "-o", str(second)) == 0
    assert cli(lead_path, "import-log", str(first)) == 0
    assert cli(lead_path, "import-log", str(second)) == 0
    assert "0 new routes, 0 already present, 1 updated" in capsys.readouterr().out
    with Session(lead_engine) as t:
        route = t.get(Route, rep_db["route"])
        assert route is not None and (route.status, route.actual_km) == ("done", 42.5)
    # the older file again does not take it back
    assert cli(lead_path, "import-log", str(first)) == 0
    with Session(lead_engine) as t:
        route = t.get(Route, rep_db["route"])
        assert route is not None and route.status == "done"


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    i = data.index(b'"result":"') + len(b'"result":"')
    data[i] ^= 0x01  # one bit of one byte in a record
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    path.write_text('{"name": "not ours", "items": [1, 2]}\n', "utf-8")


def _future(path: Path) -> None:
    lines = path.read_bytes().split(b"\n")
    header = json.loads(lines[0])
    header["version"] = 2
    body = b"\n".join([json.dumps(header).encode(), *lines[1:-2]]) + b"\n"
    import hashlib

    tail = json.dumps({"sha256": hashlib.sha256(body).hexdigest()}).encode()
    path.write_bytes(body + tail + b"\n")


def _drop_last_line(path: Path) -> None:
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:-2]) + b"\n")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncate, "truncated"),
        (_drop_last_line, "truncated"),
        (_flip, "checksum mismatch"),
        (_foreign, "not a fieldsales log"),
        (_future, "newer fieldsales (log format version 2"),
    ],
)
def test_a_damaged_file_is_refused_whole(db_path, rep_db, lead, tmp_path, capsys, damage, message):
    lead_path, lead_engine = lead
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    assert cli(db_path, "export-log", "-o", str(good)) == 0
    assert cli(db_path, "export-log", "--rep", "Suzuki", "-o", str(bad)) == 0
    damage(bad)
    before = dump(lead_engine)
    capsys.readouterr()
    # the good file first: one transaction for all, so it is not written either
    assert cli(lead_path, "import-log", str(good), str(bad)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(bad) in err and message in err and "nothing was imported" in err
    assert dump(lead_engine) == before


def test_an_unknown_account_refuses_the_file(db_path, rep_db, lead, tmp_path, capsys):
    lead_path, lead_engine = lead
    with session_scope(lead_engine) as s:
        s.execute(sa.delete(Account).where(col(Account.external_id) == "C003"))
    out = tmp_path / "sato.jsonl"
    assert cli(db_path, "export-log", "-o", str(out)) == 0
    before = dump(lead_engine)
    assert cli(lead_path, "import-log", str(out)) == 2
    err = capsys.readouterr().err
    assert "no account with external id 'C003' (神田工業)" in err and str(out) in err
    assert len(err.strip().splitlines()) == 1
    assert dump(lead_engine) == before


def test_since_and_rep_filter(db_path, rep_db, tmp_path):
    out = tmp_path / "f.jsonl"
    assert cli(db_path, "export-log", "--rep", "Suzuki", "-o", str(out)) == 0
    body = records(out)[1:-1]
    assert [r["id"] for r in body] == [rep_db["suzuki"]]
    assert records(out)[0]["rep"] == "Suzuki"

    since = (TODAY - timedelta(days=3)).isoformat()
    assert cli(db_path, "export-log", "--since", since, "--rep", "Sato", "-o", str(out)) == 0
    body = records(out)[1:-1]
    outcomes = {r["id"] for r in body if r["type"] == "outcome"}
    # the order and its undo are in the period; the visit and the old contact are not
    assert outcomes == {rep_db["undo"], rep_db["order"]}
    # the route (of an earlier day) comes along: the order counts for its visit
    assert [r["id"] for r in body if r["type"] == "route"] == [rep_db["route"]]

    assert cli(db_path, "export-log", "--since", "2026-11-01", "-o", str(out)) == 0
    body = records(out)[1:-1]
    outcomes = {r["id"] for r in body if r["type"] == "outcome"}
    assert rep_db["old"] not in outcomes and {rep_db["visit"], rep_db["suzuki"]} <= outcomes
    assert [r["id"] for r in body if r["type"] == "route"] == [rep_db["route"]]


def test_a_correction_brings_the_event_it_replaces(
    db_path, engine, settings, add_account, tmp_path
):
    acc = add_account(external_id="C9")
    old = log(engine, settings, acc.id, date(2026, 9, 1), result="refused", rep="Sato")
    fix = log(engine, settings, acc.id, TODAY, result="contacted", rep="Sato", supersedes=old)
    out = tmp_path / "f.jsonl"
    assert cli(db_path, "export-log", "--since", "2026-11-01", "-o", str(out)) == 0
    assert [r["id"] for r in records(out)[1:-1]] == [old, fix]


def test_an_account_without_external_id_stops_the_export(
    db_path, engine, settings, add_account, tmp_path, capsys
):
    acc = add_account(external_id=None, company="無番号商店")
    log(engine, settings, acc.id, TODAY, result="contacted")
    out = tmp_path / "f.jsonl"
    assert cli(db_path, "export-log", "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "'無番号商店' has no external id" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_a_failed_write_leaves_no_file(engine, rep_db, tmp_path, monkeypatch):
    out = tmp_path / "f.jsonl"
    out.write_text("the previous export\n")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    import fieldsales.files

    monkeypatch.setattr(fieldsales.files.os, "fsync", broken)
    with pytest.raises(logio.LogFileError, match="No space left"):
        logio.export_log(engine, out, rep_label="Sato")
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.glob(".f.jsonl*")] == []


def _rewrite(path: Path, edit) -> None:
    """Edit the records and seal the file again, as a hand-made file would be."""
    import hashlib

    lines = records(path)[:-1]
    edit(lines)
    body = b"".join(json.dumps(obj).encode() + b"\n" for obj in lines)
    tail = json.dumps({"sha256": hashlib.sha256(body).hexdigest()}).encode()
    path.write_bytes(body + tail + b"\n")


def _bad_result(lines: list[dict]) -> None:
    next(r for r in lines if r.get("type") == "outcome")["result"] = "maybe"


def _naive_time(lines: list[dict]) -> None:
    next(r for r in lines if r.get("type") == "outcome")["occurred_at"] = "2026-11-01T10:00:00"


def _lost_route(lines: list[dict]) -> None:
    lines[:] = [r for r in lines if r.get("type") != "route"]
    lines[0]["records"] = len(lines) - 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_bad_result, "result 'maybe' is unknown"),
        (_naive_time, "is not an ISO date-time with a zone"),
        (_lost_route, "which is neither in the file nor in this database"),
    ],
)
def test_a_sealed_but_wrong_record_is_refused(
    db_path, rep_db, lead, tmp_path, capsys, edit, message
):
    lead_path, lead_engine = lead
    out = tmp_path / "sato.jsonl"
    assert cli(db_path, "export-log", "-o", str(out)) == 0
    _rewrite(out, edit)
    before = dump(lead_engine)
    capsys.readouterr()
    assert cli(lead_path, "import-log", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err and f"{out}: line " in err and len(err.strip().splitlines()) == 1
    assert dump(lead_engine) == before
