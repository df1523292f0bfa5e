"""`fieldsales locate`: fill missing positions offline from postal codes and addresses."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Give every account without coordinates (or located only to its municipality)
the position of its town (町丁目/大字) or municipality, from the table bundled
with the app: postal code first, else prefecture + municipality + town of the
address. No network needed. Imported, geocoded and hand-set positions are
never replaced by a coarser one: the summary says how many street or building
positions were kept; --overwrite-precise replaces them with the offline one
(each replaced position is kept in the account's history). `fieldsales
geocode` improves positions further when a network is available.

With --lookup, only show what a postal code or address resolves to.

examples:
  fieldsales locate
  fieldsales locate --lookup 〒144-0052
  fieldsales locate --lookup 東京都新宿区西新宿2-8-1
  fieldsales locate --overwrite-precise     # the imported coordinates are wrong
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "locate",
        help="fill missing positions offline (postal code / address -> town)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--lookup",
        metavar="TEXT",
        help="show the position of a postal code or address; changes nothing",
    )
    p.add_argument(
        "--overwrite-precise",
        action="store_true",
        help="replace street and building positions too with the offline town/municipality "
        "(kept in each account's history)",
    )
    p.set_defaults(func=run)


def _lookup(ctx: Context, text: str) -> int:
    from fieldsales.geo import locate as offline
    from fieldsales.geo.normalize import normalize_postal_code

    pos = (
        offline.locate_postal_code(text)
        if normalize_postal_code(text) and len(text.strip()) <= 10
        else offline.locate(address=text)
    )
    if pos is None:
        ctx.err.print(f"{text}: not found in the offline table", markup=False, highlight=False)
        return 1
    ctx.console.print(
        f"{pos.label}: {pos.lat:.5f}, {pos.lon:.5f} (≈ {pos.precision}, from {pos.source})",
        markup=False,
        highlight=False,
    )
    return 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.lookup:
        return _lookup(ctx, args.lookup)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from fieldsales.services.locating import locate_missing

    with Progress(
        TextColumn("locating"),
        BarColumn(),
        MofNCompleteColumn(),
        console=ctx.err,
        transient=True,
    ) as bar:
        task = bar.add_task("locate", total=None)
        summary = locate_missing(
            ctx.engine,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            overwrite_precise=args.overwrite_precise,
        )
    ctx.console.print(str(summary), markup=False, highlight=False, soft_wrap=True)
    return 0
