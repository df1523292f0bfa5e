"""`fieldsales config`: show which config file is in use, or check one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fieldsales.context import Context


def register(sub: Any) -> None:
    p = sub.add_parser(
        "config",
        help="show the config files in use, or check a config file",
        description="Show where settings come from (bundled defaults, then your file), "
        "or validate a file without running anything.",
        epilog="examples:\n  fieldsales config path\n  fieldsales --config my.yaml config check\n"
        "  fieldsales config init   (copy the defaults to your user config file)\n"
        "  fieldsales config show   (also: whose talk scripts and campaign targets are in "
        "effect, the team's or your files)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=["path", "show", "check", "init"], nargs="?", default="path")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales import locations

    if args.action == "init":
        return _init(ctx, locations.user_config_file())
    settings = ctx.settings  # raises ConfigError with file and key on a bad file
    if args.action == "check":
        if settings.keymap:
            from fieldsales.tui.keymap import check_keymap

            check_keymap(settings)  # ConfigError: an id no binding has, a key that is no key
        print(f"ok: {settings.source_files[-1]}")
        return 0
    print(f"defaults:  {settings.source_files[0]}")
    user = settings.source_files[1] if len(settings.source_files) > 1 else None
    print(f"your file: {user or '(none; create one with `fieldsales config init`)'}")
    print(f"user file location: {locations.user_config_file()}")
    print(f"database:  {ctx.db_description}")
    if args.action == "show":
        from fieldsales.services.published import campaign_origin, in_effect, scripts_origin

        team = in_effect(settings, ctx.engine)  # what the team published in that database
        print(f"talk scripts:     {scripts_origin(team).describe(team)}")
        camp = campaign_origin(team)
        c = team.campaign
        if not camp.team and not (c.start and c.end and c.targets):
            print("campaign targets: none (set campaign: in your file, or a lead publishes them)")
        else:
            print(f"campaign targets: {camp.describe(team)}")
    return 0


def _init(ctx: Context, target: Path) -> int:
    """Copy the bundled defaults to the user's file: private (0600), never over an existing one."""
    from fieldsales import locations
    from fieldsales.files import FileError, atomic_write, private_folder

    if target.exists() or target.is_symlink():
        ctx.err.print(
            f"error: {target} already exists; edit it, or remove it first",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return 1
    defaults = locations.bundled_file("config.yaml").read_bytes()
    try:
        try:
            private_folder(target.parent)
        except OSError as exc:
            raise FileError(
                f"{target.parent}: cannot create the config folder ({exc.strerror}); "
                "set FIELDSALES_CONFIG to a file elsewhere"
            ) from None
        with atomic_write(target, private=True, overwrite=False) as fh:
            fh.write(defaults)
    except FileError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    print(target)
    return 0
