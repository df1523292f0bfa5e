"""Assigning accounts to a rep (a lead's change; reps pull it with their next sync)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from fieldsales.store.account_edit import AccountNotFound, update_account_fields
from fieldsales.store.queries import find_account
from fieldsales.store.team.roles import TeamError, team_roles

SOURCE = "assign"


def _is_team_rep(session: Session, name: str) -> bool | None:
    """On a team database: is `name` a rep (or lead) login? None where there are no teams."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    roles = team_roles(str(bind.engine.url.database or ""))
    groups = [roles.rep, roles.lead]
    have = session.execute(
        sa.text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:g)"), {"g": groups}
    ).scalar_one()
    if not have:
        return None
    return bool(
        session.execute(
            sa.text(
                "SELECT EXISTS (SELECT FROM pg_auth_members m "
                "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid "
                "WHERE r.rolname = :n AND g.rolname = ANY(:g))"
            ),
            {"n": name, "g": groups},
        ).scalar_one()
    )


def assign_accounts(session: Session, refs: Sequence[str], rep: str | None) -> list[str]:
    """Make `rep` (None: nobody) the owner of each account named (id, external id or id
    prefix); all or nothing. Returns the ids whose owner changed."""
    if rep is not None and _is_team_rep(session, rep) is False:
        raise TeamError(f"{rep}: no such rep in the team database (`fieldsales team add-rep`)")
    ids: list[str] = []
    for ref in refs:
        acc = find_account(session, ref)
        if acc is None:
            raise AccountNotFound(f"{ref}: no such account; nothing was assigned")
        ids.append(acc.id)
    return [
        i
        for i in dict.fromkeys(ids)
        if update_account_fields(session, i, {"owner_rep": rep}, SOURCE)
    ]
