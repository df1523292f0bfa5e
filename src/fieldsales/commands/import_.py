"""`fieldsales import FILE.csv`: create or update accounts from a CSV file."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Import accounts from a CSV file (UTF-8, UTF-8 with BOM or Shift_JIS/cp932,
detected automatically). Headers may be English field names or Japanese
(会社名, 住所, 最終取引日, 累計取引額 ...). Re-importing updates accounts by
external id, else by company + address, instead of duplicating them.

By default nothing is written when any row is bad; every bad row is listed.

example:
  fieldsales import accounts.csv
  fieldsales import 顧客一覧.csv --map 取引先名=company --skip-invalid
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        help="import or update accounts from a CSV file",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE.csv", help="the CSV file to import")
    p.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN as account FIELD (repeatable); COLUMN=- ignores a column",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good rows; write the bad ones with reasons to FILE.rejects.csv",
    )
    p.add_argument(
        "--no-locate",
        action="store_true",
        help="do not fill missing coordinates from postal codes/addresses after the import",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    ctx.err.print("import: not available yet in this build")
    return 2
