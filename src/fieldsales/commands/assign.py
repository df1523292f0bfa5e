"""`fieldsales assign ACCOUNT... --to REP`: a lead gives accounts to a rep."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Make REP the owner of each ACCOUNT (id, external id or a unique id prefix);
all or nothing. On the team database REP is a rep's login name (`fieldsales
team add-rep`), and only a lead may assign; the rep's next sync pulls the
accounts. --to '' leaves the accounts unassigned.

example:
  fieldsales --db postgresql://lead@db/fieldsales assign C00042 C00043 --to sato
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "assign",
        help="give accounts to a rep (a lead)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("accounts", nargs="+", metavar="ACCOUNT")
    p.add_argument("--to", required=True, metavar="REP", help="the rep ('' for nobody)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.services.assign import assign

    changed = assign(ctx.engine, args.accounts, args.to.strip() or None)
    who = args.to.strip() or "nobody"
    ctx.console.print(
        f"{len(changed)} account(s) assigned to {who}, "
        f"{len(args.accounts) - len(changed)} already were",
        highlight=False,
        soft_wrap=True,
    )
    return 0
