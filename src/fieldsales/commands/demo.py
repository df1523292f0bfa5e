"""`fieldsales demo`: build a fresh demo database from the bundled sample and open it."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Build a fresh demo database (about 500 dormant accounts in Tokyo, Kanagawa and
Saitama with a few months of logged outcomes) in the user data folder and open
the app on it. Your own database is never touched.

example:
  fieldsales demo
  fieldsales demo --no-tui      build it and print its path
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="open the app on a fresh demo database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--no-tui", action="store_true", help="only build the demo database and print its path"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    ctx.err.print("demo: not available yet in this build")
    return 2
