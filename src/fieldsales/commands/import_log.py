"""`fieldsales import-log`: merge reps' log files into the lead's database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Add the outcomes, routes and route stops of log files written by
`fieldsales export-log` to this database.

rules:
  - idempotent: records are keyed by UUID; what is already here is counted
    and left alone, so importing a file twice changes nothing. A route or
    stop the rep changed after an earlier export is updated to the newer copy.
  - accounts are matched by external id; a record whose account is not in
    this database refuses the file (import the rep's accounts CSV first).
  - all or nothing: every file given is checked (format, version, checksum,
    records) and imported in ONE transaction. A truncated, damaged, foreign
    or newer-version file is refused with one line naming it, and nothing
    from any of the files is written; fix or drop it and run again.

examples:
  fieldsales --db team.db import-log sato-2026-11.jsonl suzuki-2026-11.jsonl
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import-log",
        help="import reps' log files (from export-log): idempotent, all or nothing",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="log files from export-log")
    p.set_defaults(func=run)


def _counts(new: int, present: int, updated: int, noun: str) -> str:
    text = f"{new} new {noun}, {present} already present"
    return text + (f", {updated} updated" if updated else "")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.store.logio import LogFileError, import_logs

    try:
        reports = import_logs(ctx.engine, [Path(f) for f in args.files])
    except LogFileError as exc:
        ctx.err.print(f"import-log: {exc}; nothing was imported", markup=False, soft_wrap=True)
        return 2
    for report in reports:
        t = report.tallies
        parts = [
            _counts(t["outcome"].new, t["outcome"].present, 0, "outcomes"),
            _counts(t["route"].new, t["route"].present, t["route"].updated, "routes"),
            _counts(t["route_stop"].new, t["route_stop"].present, t["route_stop"].updated, "stops"),
        ]
        ctx.console.print(
            f"{report.path} ({report.rep}): " + "; ".join(parts),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return 0
