"""`fieldsales geocode`: improve positions to street/building precision online."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Ask a Nominatim geocoder (geocoding.domain / scheme / user_agent in the
config; companies may run their own server) for the accounts still located
only to a town or municipality. At most one request per
geocoding.min_delay_seconds, retries with back-off on errors. Every answer,
"not found" included, is cached in the database, so no address is asked twice
and a stopped run continues where it left off. An answer farther than
geocoding.suspicious_km from the account's town is kept as a flagged
candidate, not applied. An answer coarser than the account's position (a
town for an account located to the street) is not applied either, and the
summary says so; --overwrite-precise asks for every account with an address
and applies such answers too (each replaced position is kept in the
account's history). No network: "offline" at once (geocoding.connect_timeout_seconds).

examples:
  fieldsales geocode --limit 100
  fieldsales geocode --retry-failed
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "geocode",
        help="improve positions online (Nominatim), cached and resumable",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--limit", type=int, metavar="N", help="send at most N requests (cache hits are free)"
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="ask again for addresses the geocoder did not find last time",
    )
    p.add_argument(
        "--overwrite-precise",
        action="store_true",
        help="ask for street- and building-located accounts too, and let an answer "
        "replace a more precise position (kept in each account's history)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.limit is not None and args.limit < 0:
        ctx.err.print("--limit must be 0 or more", markup=False, highlight=False)
        return 2
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from fieldsales.services.geocoding import geocode_accounts

    settings = ctx.settings
    engine = ctx.engine
    with Progress(
        TextColumn(f"geocoding via {settings.geocoding.domain}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=ctx.err,
        transient=True,
    ) as bar:
        task = bar.add_task("geocode", total=None)
        summary = geocode_accounts(
            engine,
            settings.geocoding,
            limit=args.limit,
            retry_failed=args.retry_failed,
            overwrite_precise=args.overwrite_precise,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    ctx.console.print(str(summary), markup=False, highlight=False, soft_wrap=True)
    if summary.stopped:
        ctx.err.print(
            f"error: {summary.stopped}; nothing was lost, offline positions stay. "
            "Run `fieldsales geocode` again when the server is reachable.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return 1
    return 0
