"""Assign accounts to a rep: the CLI's `assign` and the app's assign key share this."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fieldsales.store import unit
from fieldsales.store.team import assign as store_assign
from fieldsales.store.team.roles import TeamError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def assign(engine: Engine, refs: Sequence[str], rep: str | None) -> list[str]:
    """The ids of the accounts whose owner changed; all or nothing.

    On the team database only a lead may assign: a rep's attempt is refused by
    the grants and said in one line.
    """
    try:
        with unit.writing(engine) as u:
            return store_assign.assign_accounts(u, refs, rep)
    except Exception as exc:
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501":
            raise TeamError("only a lead may assign accounts (permission denied)") from None
        raise
