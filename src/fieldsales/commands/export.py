"""`fieldsales export`: write every account to a CSV file Excel opens."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Write all accounts to a CSV file in UTF-8 with BOM (Excel opens it directly),
with the same columns `fieldsales import` reads, so export -> edit -> import
round-trips. Cells that a spreadsheet would run as a formula (starting with
=, +, -, @) are prefixed with ' (CSV injection).

example:
  fieldsales export -o accounts.csv
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="export all accounts to a CSV file (UTF-8 with BOM)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: accounts-YYYYmmdd-HHMMSS.csv in the exports folder)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales import locations
    from fieldsales.files import FileError, atomic_write, check_folder, check_target
    from fieldsales.store.exporter import export_accounts

    target = Path(args.output) if args.output else locations.export_file("accounts", ".csv")
    try:
        check_folder(target.parent)
        check_target(target)  # a folder, a link, a FIFO or a device is refused, not replaced
    except FileError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    engine = ctx.engine
    try:  # a failed export never leaves half a file (fieldsales.files)
        with atomic_write(target, text=True, encoding="utf-8", newline="") as fh:
            count = export_accounts(engine, fh)
    except FileError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    ctx.console.print(
        f"exported {count} accounts to {target}", markup=False, highlight=False, soft_wrap=True
    )
    return 0
