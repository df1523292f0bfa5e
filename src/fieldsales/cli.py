"""Command-line entry point: `fieldsales [--config F] [--db D | --demo] COMMAND ...`.

With no command it opens the app on the user's database. Commands live in
fieldsales.commands, imported only when needed so `--help` and start-up stay fast.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from fieldsales import __version__
from fieldsales.context import Context

# (module, one-line help); the module registers its own parser.
COMMANDS: list[str] = [
    "demo",
    "rank",
    "import_",
    "export",
    "export_log",
    "import_log",
    "import_orders",
    "config_cmd",
    "locate",
    "geocode",
    "plan",
    "nearby",
    "log",
    "rates",
    "report",
    "serve",
    "team",
    "sync",
    "assign",
]

# Commands that write data make the --db database when it does not exist yet;
# the others (and the app) name a missing file as a mistyped path.
CREATES_DATABASE = frozenset({"import", "demo", "log", "import-log", "sync"})

EXAMPLES = """\
examples:
  fieldsales demo                      open the app on demo data
  fieldsales --demo rank --top 20      the best accounts of the demo data
  fieldsales import accounts.csv       import (or update) accounts from a CSV
  fieldsales rank --top 20 --rank A,B  the best accounts from the office
  fieldsales --db team.db rank --json  the ranking of another database as JSON
  fieldsales log C00042 --channel phone --result contacted
                                       log a call from a script
  fieldsales export-log -o sato.jsonl  outcomes and routes to a file for the lead
  fieldsales --db team.db import-log sato.jsonl
                                       the lead merges it (idempotent, all or nothing)
  fieldsales report --by route --period 2026-11
                                       planned against actual ROI per route
  fieldsales serve                     the app in a web browser, on 127.0.0.1:8000
"""


DEMO_HELP = "use the demo database that `fieldsales demo` built (instead of --db)"
NO_DEMO_YET = "no demo database yet: run `fieldsales demo`"


def _command_token(argv: Sequence[str]) -> str | None:
    """The command named on the line (the first word that is no option nor the
    value of --config/--db), or None."""
    k = 0
    while k < len(argv):
        word = argv[k]
        if word in ("-h", "--help"):  # the program's help: every command
            return None
        if word in ("--config", "--db"):
            k += 2
        elif word.startswith("-"):
            k += 1
        else:
            return word
    return None


def _parser_for(argv: Sequence[str] | None) -> argparse.ArgumentParser:
    """The parser with only the named command's module imported (start-up: each
    module costs its imports); every command's for help, a mistyped command,
    or anything else."""
    words = sys.argv[1:] if argv is None else list(argv)
    token = _command_token(words)
    if token is not None:
        stem = token.replace("-", "_")
        module = next((m for m in (stem, f"{stem}_", f"{stem}_cmd") if m in COMMANDS), None)
        if module is not None:
            parser = build_parser([module])
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            if token in sub.choices:
                return parser
    return build_parser()


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldsales",
        description="Win back dormant B2B accounts: rank, plan visits, log outcomes.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fieldsales {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $FIELDSALES_CONFIG, then the user config dir, "
        "then the bundled config.yaml)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="database file or SQLAlchemy URL (default: fieldsales.db in the user data dir)",
    )
    parser.add_argument("--demo", action="store_true", help=DEMO_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS if modules is None else modules:
        module = importlib.import_module(f"fieldsales.commands.{name}")
        module.register(sub)
    # `fieldsales rank --demo` as well as `fieldsales --demo rank`; SUPPRESS keeps
    # the global value when the command's own parser does not see the switch
    for command in sub.choices.values():
        command.add_argument(
            "--demo", action="store_true", default=argparse.SUPPRESS, help=DEMO_HELP
        )
    return parser


def _demo_database(args: argparse.Namespace) -> str | None:
    """The --db to use for --demo, or None after saying why there is none (one line)."""
    from fieldsales import locations

    if args.db is not None:
        print("error: --demo and --db name two databases; give one", file=sys.stderr)
        return None
    path = locations.demo_db_file()
    if not path.exists():
        print(f"error: {NO_DEMO_YET}", file=sys.stderr)
        return None
    return str(path)


class _NotOnlyGlobal(Exception):
    pass


class _GlobalOptions(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotOnlyGlobal(message)


def _only_global_options(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """`--config` and `--db` when they are all the arguments (the app opens): read
    without importing every command's module. Anything else, `--help` or a
    mistake included, is None and goes to the full parser."""
    parser = _GlobalOptions(add_help=False, allow_abbrev=False)
    parser.add_argument("--config")
    parser.add_argument("--db")
    parser.add_argument("--demo", action="store_true")
    try:
        args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    except _NotOnlyGlobal:
        return None
    if rest:
        return None
    args.command = None
    return args


def _open_app(ctx: Context) -> int:
    try:
        module = importlib.import_module("fieldsales.tui.launch")
    except ModuleNotFoundError:
        ctx.err.print("The app is not available in this build; try `fieldsales rank`.")
        return 2
    return int(module.run_app(ctx))


def main(argv: Sequence[str] | None = None) -> int:
    # no pydantic plugins look at the config: finding them scans every installed
    # package's metadata (~5 ms of each start); a value set by the user stands
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # `fieldsales [--config F] [--db D]` opens the app without building every command's
    # parser; anything else (`--help` and usage errors included) goes to the full parser,
    # and exits there before the imports below
    args = _only_global_options(argv)
    if args is None:
        args = _parser_for(argv).parse_args(argv)
    if args.demo and args.command != "demo":  # `demo` builds it: --demo changes nothing there
        demo_db = _demo_database(args)
        if demo_db is None:
            return 1
        args.db = demo_db
    if args.command is None:
        # the app: the garbage collector stays off while it starts (on again once the
        # list is painted, tui/launch.py); the config's pydantic models and numpy
        # make many objects that live on, and collecting them cost ~12 ms here
        gc.disable()
        try:
            return _run(args)
        finally:
            gc.enable()
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    # Imported after parsing: they pull in pydantic and SQLAlchemy (most of the start-up time).
    from fieldsales.config import ConfigError
    from fieldsales.errors import UserError

    ctx = Context(config_path=args.config, db=args.db, create_db=args.command in CREATES_DATABASE)
    try:
        if args.command is None:
            ctx.settings  # noqa: B018  (fail early on a bad config, before the UI)
            return _open_app(ctx)
        code = int(args.func(args, ctx))
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return code
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except UserError as exc:  # StoreError, ReportError, PlanError...: one line
        print(f"error: {exc.line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `fieldsales rank --json | head`: the reader left; say nothing. Point
        # stdout at devnull so the flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError

        if not isinstance(exc, DBAPIError):
            raise
        from fieldsales.store.db import store_error

        # a database that became locked or read-only after it opened: one line, no traceback
        print(f"error: {store_error(exc, ctx.db_description)}", file=sys.stderr)
        return 1
