"""`fieldsales log` and `fieldsales rates` in-process through cli.main (issue 14)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from fieldsales.cli import main
from fieldsales.config import default_settings
from fieldsales.domain.clock import local_date, today_in
from fieldsales.store.models import Outcome

TODAY = today_in(default_settings().zone())  # the command logs on the rep's calendar


def outcomes(engine) -> list[Outcome]:
    with Session(engine) as s:
        return list(s.exec(select(Outcome)).all())


def run(db_path, *argv: str) -> int:
    return main(["--db", str(db_path), *argv])


def test_log_writes_the_outcome(engine, db_path, add_account, capsys):
    acc = add_account(external_id="C0042", company="丸の内精機")
    day = TODAY - timedelta(days=2)
    code = run(db_path, "log", "C0042", "--channel", "visit", "--result", "next_action",
               "--stage", "next_action", "--next", "demo", "--due", "+7",
               "--date", day.isoformat(), "--minutes", "40")  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "丸の内精機" in out.out and "next follow-up" in out.out
    [o] = outcomes(engine)
    assert (o.account_id, o.channel, o.result, o.visit_stage) == (
        acc.id,
        "visit",
        "next_action",
        "next_action",
    )
    assert o.next_action == "demo" and o.next_action_due == day + timedelta(days=7)
    assert o.duration_minutes == 40
    assert local_date(o.occurred_at, default_settings().zone()) == day  # its day in Tokyo


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--channel", "phone", "--result", "maybe"], "result: 'maybe' is not one of"),
        (["--channel", "phone", "--result", "order", "--date", "2026-13-01"], "is not a date"),
        (["--channel", "phone", "--result", "contacted", "--due", "soon"], "is not a date"),
        (["--channel", "phone", "--result", "contacted", "--amount", "5"], "only an order"),
        (["--channel", "fax", "--result", "contacted"], "channel: 'fax'"),
        (["--channel", "phone", "--result", "contacted", "--stage", "met"], "only a visit"),
        (["--channel", "phone"], "pick a result"),
        (["--result", "contacted"], "--channel is required"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    engine, db_path, add_account, capsys, argv, message
):
    add_account(external_id="C0042")
    code = run(db_path, "log", "C0042", *argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert outcomes(engine) == []


def test_unknown_account_and_future_date(engine, db_path, add_account, capsys):
    add_account(external_id="C0042")
    assert run(db_path, "log", "NOPE", "--channel", "phone", "--result", "contacted") == 2
    assert "NOPE: no such account" in capsys.readouterr().err
    future = (TODAY + timedelta(days=1)).isoformat()
    argv = ["log", "C0042", "--channel", "phone", "--result", "contacted", "--date", future]
    assert run(db_path, *argv) == 2
    assert "in the future" in capsys.readouterr().err
    assert outcomes(engine) == []


def test_second_refusal_needs_yes(engine, db_path, add_account, capsys):
    add_account(external_id="C0042")
    refuse = ["log", "C0042", "--channel", "phone", "--result", "refused"]
    assert run(db_path, *refuse, "--date", (TODAY - timedelta(days=30)).isoformat()) == 0
    assert run(db_path, *refuse) == 2
    assert "add --yes" in capsys.readouterr().err
    assert len(outcomes(engine)) == 1
    assert run(db_path, *refuse, "--yes") == 0
    assert "not proposed until" in capsys.readouterr().out
    assert len(outcomes(engine)) == 2


def test_rates_with_no_outcomes_are_the_config_rates(engine, db_path, add_account, capsys):
    add_account()
    assert run(db_path, "rates", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    from fieldsales.config import default_settings
    from fieldsales.domain.roi import rates

    s = default_settings()
    for r in rows:
        assert r["contacts"] == r["appointments"] == r["closes"] == 0
        if r["channel"] != "all":
            assert (r["appointment_rate"], r["close_rate"]) == rates(r["rank"], r["channel"], s)
    assert run(db_path, "rates") == 0
    assert "Learned rates" in capsys.readouterr().out
