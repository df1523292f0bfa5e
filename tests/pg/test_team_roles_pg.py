"""The team roles on a real PostgreSQL: what a rep may and may not do, tried as the rep."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from fieldsales.store.db import open_engine
from fieldsales.store.team import REP_EDITABLE
from fieldsales.store.team.roles import team_roles

from .team_helpers import make_team


def _count(url: str, sql: str, **params: object) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, params).fetchone()
        assert row is not None
        return int(row[0])


def test_a_reps_delete_and_truncate_are_refused_and_the_rows_stay(pg_url: str) -> None:
    team = make_team(pg_url)
    sato = team.reps[0]
    mine = team.accounts_of(sato)[0]
    with psycopg.connect(team.url[sato]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("DELETE FROM account WHERE id = %s", (mine,))
        conn.rollback()
        for table in ("account", "outcome", "route", "account_change"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"TRUNCATE {table}")
            conn.rollback()
    assert _count(pg_url, "SELECT count(*) FROM account WHERE id = %(i)s", i=mine) == 1
    assert _count(pg_url, "SELECT count(*) FROM account") == 7


def test_a_rep_sees_only_own_accounts_and_updates_only_editable_columns(pg_url: str) -> None:
    team = make_team(pg_url)
    sato, suzuki = team.reps
    others = team.accounts_of(suzuki)
    mine = team.accounts_of(sato)
    assert _count(team.url[sato], "SELECT count(*) FROM account") == 3
    assert (
        _count(team.url[sato], "SELECT count(*) FROM account WHERE id = ANY(%(i)s)", i=others) == 0
    )
    assert _count(team.url[team.lead], "SELECT count(*) FROM account") == 7
    with psycopg.connect(team.url[sato]) as conn:
        # an editable column of an own account: allowed
        n = conn.execute(
            "UPDATE account SET phone = '090-1111-2222' WHERE id = %s", (mine[0],)
        ).rowcount
        assert n == 1
        # another rep's account: not even seen
        n = conn.execute("UPDATE account SET phone = 'x' WHERE id = %s", (others[0],)).rowcount
        assert n == 0
        conn.commit()
        for column, value in (("owner_rep", sato), ("do_not_contact", True), ("main_reason", "x")):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(f"UPDATE account SET {column} = %s WHERE id = %s", (value, mine[1]))
            conn.rollback()
    engine = open_engine(pg_url)
    with engine.connect() as conn:
        rows: dict[str, str] = dict(
            conn.execute(
                sa.text("SELECT id, phone FROM account WHERE id = ANY(:i)"),
                {"i": [mine[0], others[0]]},
            ).all()
        )
        owner = conn.execute(
            sa.text("SELECT owner_rep, do_not_contact FROM account WHERE id = :i"), {"i": mine[1]}
        ).one()
    engine.dispose()
    assert rows[mine[0]] == "090-1111-2222"
    assert rows[others[0]] != "x"
    assert tuple(owner) == (sato, False)


def test_the_owner_role_never_logs_in_and_owns_the_tables(pg_url: str) -> None:
    make_team(pg_url)
    roles = team_roles(pg_url.rsplit("/", 1)[1])
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (roles.owner,)
        ).fetchone()
        assert row == (False,)
        owners = {
            r[0] for r in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname='public'")
        }
        assert owners == {roles.owner}
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(pg_url.replace("://fieldsales@", f"://{roles.owner}@")).close()


def test_team_init_twice_changes_nothing(pg_url: str) -> None:
    team = make_team(pg_url)
    from fieldsales.store.team.roles import init_team

    init_team(pg_url, reps_see_unassigned=False)
    assert _count(team.url[team.reps[0]], "SELECT count(*) FROM account") == 3


def test_the_grants_file_names_the_editable_columns_of_the_code() -> None:
    text = resources.files("fieldsales.store.team").joinpath("grants.sql").read_text()
    m = re.search(r"GRANT UPDATE \((.*?)\) ON account", text, re.S)
    assert m is not None
    granted = {c.strip() for c in m[1].split(",")}
    assert granted == set(REP_EDITABLE) | {"updated_at", "static_scores"}


def test_only_a_lead_assigns_and_only_to_a_rep(pg_url: str, cli: Callable[..., Any]) -> None:
    team = make_team(pg_url)
    sato, suzuki = team.reps
    mine = team.accounts_of(sato)[0]
    r = cli("--db", team.url[sato], "assign", mine, "--to", suzuki)
    assert r.returncode == 1
    assert r.stderr == "error: only a lead may assign accounts (permission denied)\n"
    r = cli("--db", team.url[team.lead], "assign", mine, "--to", "nobody_here")
    assert r.returncode == 1 and "nobody_here: no such rep in the team database" in r.stderr
    r = cli("--db", team.url[team.lead], "assign", mine, "C00006", "--to", suzuki)
    assert r.returncode == 0, r.stderr
    assert "2 account(s) assigned to" in r.stdout
    assert mine in team.accounts_of(suzuki)
    # the history says who assigned it
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT old_value, new_value, source, team_role FROM account_change "
            "WHERE account_id = %s AND field = 'owner_rep'",
            (mine,),
        ).fetchall()
    assert rows == [(sato, suzuki, "assign", team.lead)]
