"""`fieldsales sync [--remote URL]`: push local changes to the team database, pull accounts."""

from __future__ import annotations

import argparse
import os
from typing import Any

from fieldsales.context import Context

REMOTE_ENV = "FIELDSALES_REMOTE"

DESCRIPTION = """\
Push this laptop's outcomes, routes and account edits to the team database
and pull the accounts assigned to you with every change a lead made since
the last sync. Safe to stop at any moment and run again: nothing is lost or
doubled. Prints: pushed N, pulled M, conflicts K.

The team database: --remote URL, else $FIELDSALES_REMOTE, else config
team.remote. The password comes from PGPASSWORD or ~/.pgpass, never the
config file.
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sync",
        help="push local changes to the team database, pull your accounts",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--remote", metavar="URL", help="the team database (postgresql://you@host/db)")
    p.add_argument("--status", action="store_true", help="show the last sync and what waits")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.store.db import describe
    from fieldsales.store.team import sync

    engine = ctx.engine
    if engine.dialect.name != "sqlite":
        raise sync.SyncError(
            f"{ctx.db_description}: sync runs on a laptop's own database; "
            "on the team database there is nothing to sync"
        )
    if args.status:
        st = sync.status(engine)
        out = ctx.console
        out.print(f"remote: {st.get(sync.REMOTE, '-')}", highlight=False, soft_wrap=True)
        out.print(f"last sync: {st.get(sync.SYNCED_AT, 'never')}", highlight=False, soft_wrap=True)
        out.print(f"waiting to push: {st['pending']}", highlight=False, soft_wrap=True)
        if st["kept_here"] != "0":
            out.print(
                f"accounts kept on this laptop only (not in the team database): {st['kept_here']}",
                highlight=False,
                soft_wrap=True,
            )
        return 0
    remote = args.remote or os.environ.get(REMOTE_ENV, "").strip() or ctx.settings.team.remote
    if not remote:
        raise sync.SyncError(
            "no team database: give --remote postgresql://you@host/db, set "
            f"{REMOTE_ENV}, or config team.remote"
        )
    result = sync.sync(
        engine,
        remote,
        batch_size=ctx.settings.team.batch_size,
        progress=lambda line: ctx.err.print(line, highlight=False),
    )
    ctx.console.print(
        f"{describe(remote)}: pushed {result.pushed}, pulled {result.pulled}, "
        f"conflicts {result.conflicts}",
        highlight=False,
        soft_wrap=True,
    )
    own = result.adopted
    if own is not None and (own.matched or own.local_only):
        ctx.console.print(
            f"first sync: of the accounts this laptop had before joining the team, "
            f"{own.matched} matched the team's (same external id, or company and address) "
            f"and now carry its ids, their {own.backfilled} earlier outcomes and routes pushed; "
            f"{len(own.local_only)} not in the team database stay on this laptop only and "
            "are never pushed (your lead can import them)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    return 0
