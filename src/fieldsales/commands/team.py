"""`fieldsales team init | add-rep NAME | add-lead NAME`: set up the team database."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fieldsales.context import Context

PASSWORD_ENV = "FIELDSALES_NEW_PASSWORD"

DESCRIPTION = """\
Set up a team PostgreSQL database (README "Team setup"). Run as a role that
may create roles, e.g. --db postgresql://postgres@db.example.com/fieldsales.

  init            migrate the database, create its group roles (DB_owner: owns
                  the tables, never logs in; DB_lead; DB_rep) and apply the
                  grants and row-level security of store/team/grants.sql
  add-rep NAME    a login role for a rep (NAME is the rep in account owner)
  add-lead NAME   a login role for a lead

The new role's password is read from $FIELDSALES_NEW_PASSWORD or asked for
(twice, not shown); it is never an argument, and only its SCRAM verifier is
sent to the server.
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "team",
        help="set up the team database: roles, grants, reps and leads",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_subparsers(dest="team_command", metavar="init|add-rep|add-lead", required=True)
    what.add_parser("init", help="schema, group roles, grants and row-level security")
    for name, kind in (("add-rep", "rep"), ("add-lead", "lead")):
        q = what.add_parser(name, help=f"a login role for a {kind}")
        q.add_argument("name", metavar="NAME", help="login name (lower-case letters, digits, _)")
    p.set_defaults(func=run)


def _password(ctx: Context, name: str) -> str:
    from fieldsales.store.team.roles import TeamError

    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise TeamError(f"no password: set {PASSWORD_ENV} or run in a terminal to be asked")
    import getpass

    first = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise TeamError("the two passwords differ; nothing was created")
    return first


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.store.db import database_url, describe
    from fieldsales.store.team.roles import add_member, init_team

    url = database_url(ctx.database)
    if args.team_command == "init":
        roles = init_team(url, reps_see_unassigned=ctx.settings.team.reps_see_unassigned)
        ctx.console.print(
            f"{describe(url)}: team database ready; tables owned by {roles.owner} "
            f"(never logs in), groups {roles.lead} and {roles.rep}",
            highlight=False,
            soft_wrap=True,
        )
        return 0
    lead = args.team_command == "add-lead"
    group = add_member(url, args.name, lead=lead, password=_password(ctx, args.name))
    ctx.console.print(f"{args.name}: login role added to {group}", highlight=False, soft_wrap=True)
    return 0
