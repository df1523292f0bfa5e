"""`fieldsales config`: show which config file is in use, or check one."""

from __future__ import annotations

import argparse
from typing import Any

from fieldsales.context import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "config",
        help="show the config files in use, or check a config file",
        description="Show where settings come from (bundled defaults, then your file), "
        "or validate a file without running anything.",
        epilog="examples:\n  fieldsales config path\n  fieldsales --config my.yaml config check\n"
        "  fieldsales config init   (copy the defaults to your user config file)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=["path", "check", "init"], nargs="?", default="path")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales import locations

    if args.action == "init":
        target = locations.user_config_file()
        if target.exists():
            ctx.err.print(f"{target} already exists; edit it, or remove it first")
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            locations.bundled_file("config.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        print(target)
        return 0
    settings = ctx.settings  # raises ConfigError with file and key on a bad file
    if args.action == "check":
        print(f"ok: {settings.source_files[-1]}")
        return 0
    print(f"defaults:  {settings.source_files[0]}")
    user = settings.source_files[1] if len(settings.source_files) > 1 else None
    print(f"your file: {user or '(none; create one with `fieldsales config init`)'}")
    print(f"user file location: {locations.user_config_file()}")
    print(f"database:  {ctx.db_description}")
    return 0
