"""`fieldsales export`: write every account to a CSV file Excel opens."""

from __future__ import annotations

import argparse
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
    ctx.err.print("export: not available yet in this build")
    return 2
