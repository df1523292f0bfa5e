"""`fieldsales export-log`: write a rep's outcomes and routes to a file for the lead."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Write the logged outcomes (every event: corrections and undos included, with
the events they replace) and the routes and route stops they belong to, as
JSON Lines: a header (format, version, rep, exported_at, record count), one
record per line, and a SHA-256 checksum line. Accounts are named by their
external id (and company name), so every account needs an external id. The
file is written beside the target and renamed into place: an interrupted
export never leaves half a file. The lead reads it with `fieldsales import-log`.

--since keeps outcomes from that day on (local time) and routes of that day
on; --rep keeps one rep's outcomes and routes.

examples:
  fieldsales export-log -o sato-2026-11.jsonl
  fieldsales export-log --since 2026-11-01 --rep Sato -o sato-2026-11.jsonl
"""


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export-log",
        help="export outcomes and routes to a log file the team lead imports",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--since", type=_day, metavar="DATE", help="from this day on (YYYY-MM-DD)")
    p.add_argument("--rep", metavar="NAME", help="only this rep's outcomes and routes")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: log-YYYYmmdd-HHMMSS.jsonl in the exports folder)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales import locations
    from fieldsales.store.logio import LogFileError, export_log

    target = Path(args.output) if args.output else locations.export_file("log", ".jsonl")
    if target.is_dir():
        ctx.err.print(
            f"export-log: {target}: is a folder; give a file name", markup=False, soft_wrap=True
        )
        return 2
    rep_label = args.rep or ctx.settings.rep_name()
    try:
        counts = export_log(
            ctx.engine,
            target,
            rep_label=rep_label,
            rep=args.rep,
            since=args.since,
            zone=ctx.settings.zone(),
        )
    except LogFileError as exc:
        ctx.err.print(f"export-log: {exc}", markup=False, soft_wrap=True)
        return 1
    ctx.console.print(
        f"exported {counts.outcomes} outcomes, {counts.routes} routes and {counts.stops} "
        f"route stops to {target}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0
