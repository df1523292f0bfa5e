"""`fieldsales team init | add-rep NAME | add-lead NAME | publish`: the team database."""

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
  publish         (a lead, with --db postgresql://LEAD@host/db) publish your
                  talk scripts and the campaign targets of your config.yaml to
                  the team: reps get them with their next `fieldsales sync`,
                  and they replace the reps' own files until the next publish

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
    what = p.add_subparsers(
        dest="team_command", metavar="init|add-rep|add-lead|publish", required=True
    )
    what.add_parser("init", help="schema, group roles, grants and row-level security")
    for name, kind in (("add-rep", "rep"), ("add-lead", "lead")):
        q = what.add_parser(name, help=f"a login role for a {kind}")
        q.add_argument("name", metavar="NAME", help="login name (lower-case letters, digits, _)")
    pub = what.add_parser(
        "publish",
        help="publish your talk scripts and campaign targets to the team",
        description="Publish the talk scripts and the campaign targets (config.yaml "
        "`campaign:`) to the team database, as a new version of each that changed. "
        "Both are checked as the app checks them before anything is sent.",
    )
    pub.add_argument(
        "--scripts",
        metavar="FILE",
        help="the talk scripts to publish (default: your talk_scripts.yaml, else the bundled)",
    )
    pub.add_argument(
        "--only",
        choices=["scripts", "campaign"],
        help="publish only the talk scripts, or only the campaign targets",
    )
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


def _publish(args: argparse.Namespace, ctx: Context, url: str) -> int:
    """Check both files first (one line on a bad one, nothing sent), then publish."""
    from pathlib import Path

    from fieldsales.config import load_settings
    from fieldsales.domain.scripts import scripts_path
    from fieldsales.services.published import campaign_body, scripts_body
    from fieldsales.store.db import describe
    from fieldsales.store.team.publication import CAMPAIGN, TALK_SCRIPTS, publish
    from fieldsales.store.team.roles import TeamError

    settings = load_settings(ctx.config_path)  # the lead's own file, not the team's copy
    items: list[tuple[str, str, str]] = []
    notes: list[str] = []
    if args.only in (None, "scripts"):
        path = Path(args.scripts).expanduser() if args.scripts else scripts_path()
        items.append((TALK_SCRIPTS, *scripts_body(path)))
    if args.only in (None, "campaign"):
        camp = campaign_body(settings)
        where = settings.source_files[-1] if settings.source_files else "config.yaml"
        if camp is None and args.only == "campaign":
            raise TeamError(
                f"{where}: campaign: sets no start, end and targets; nothing was published"
            )
        if camp is None:
            notes.append(f"campaign targets: none set in {where}, not published")
        else:
            items.append((CAMPAIGN, *camp))
    done = publish(url, items)
    label = {TALK_SCRIPTS: "talk scripts", CAMPAIGN: "campaign targets"}
    out = ctx.console
    for (kind, _, source), (pub, new) in zip(items, done, strict=True):
        line = (
            f"{label[kind]}: published version {pub.version} (from {source})"
            if new
            else f"{label[kind]}: unchanged since version {pub.version}, not published again"
        )
        out.print(line, highlight=False, soft_wrap=True, markup=False)
    for line in notes:
        out.print(line, highlight=False, soft_wrap=True, markup=False)
    if any(new for _, new in done):
        out.print(
            f"{describe(url)}: reps get them with their next `fieldsales sync`",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    return 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.store.db import database_url, describe
    from fieldsales.store.team.roles import add_member, init_team

    url = database_url(ctx.database)
    if args.team_command == "publish":
        return _publish(args, ctx, url)
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
