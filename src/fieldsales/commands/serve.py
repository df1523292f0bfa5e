"""`fieldsales serve`: the app in a web browser (textual-serve), on this machine only by default.

textual-serve starts one copy of the app per browser tab, as a child process of
this command, with this command's environment: the same database, config and
credentials. It has no authentication, so the command binds 127.0.0.1 and
refuses an address other machines can reach unless --allow-remote says that an
authenticating proxy stands in front.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales.context import Context
from fieldsales.errors import UserError

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "fieldsales"

DESCRIPTION = """\
Serve the app to a web browser (textual-serve), for leads who do not live in a
terminal: open the printed address, and each browser tab runs its own copy of
the app on this command's database (--db, --demo) and config (--config), with
this command's credentials. Downloads (the Review screen's download, d) arrive in
the browser's downloads.

There is no authentication: anyone who reaches the port works with your
database as you. The command binds 127.0.0.1 (this machine only) and refuses
any other address unless --allow-remote is given. Run it under the lead's own
database role, and put an authenticating proxy (with TLS) in front before
opening it beyond this machine; --public-url is then the address browsers use.

examples:
  fieldsales serve                       http://127.0.0.1:8000, this machine only
  fieldsales --demo serve --port 8080    the demo data
  fieldsales --db postgresql+psycopg://lead@db.example/sales serve
  fieldsales serve --host 0.0.0.0 --allow-remote --public-url https://sales.example.com
                                         behind an authenticating proxy
"""


class ServeError(UserError):
    title = "Serve"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="the app in a web browser (textual-serve), on 127.0.0.1 by default",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="ADDRESS",
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on an address other machines can reach (no authentication: "
        "put an authenticating proxy in front)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers open, when a proxy stands in front (default http://HOST:PORT)",
    )
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    """Does `host` name this machine only (127.0.0.0/8, ::1, or a name resolving only there)?"""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        raise ServeError(f"--host {host}: no such address on this machine") from None
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses
    )


def check_bind(host: str, allow_remote: bool) -> None:
    """Refuse (ServeError, one line) an address other machines reach without --allow-remote."""
    if allow_remote or is_loopback(host):
        return
    raise ServeError(
        f"--host {host} is reachable from other machines, and the served app has no "
        "authentication (every browser tab runs with this server's database and "
        f"credentials): bind {DEFAULT_HOST}, or put an authenticating proxy in front "
        "and add --allow-remote"
    )


def app_command(ctx: Context) -> str:
    """The command textual-serve runs for each browser tab: this Python, this package, the
    same --config and --db (absolute, so the tab's working folder does not matter)."""
    from fieldsales.store import urls

    argv = [sys.executable, "-m", "fieldsales"]
    if ctx.config_path:
        argv += ["--config", str(Path(ctx.config_path).expanduser().resolve())]
    if ctx.db is not None:
        db = str(ctx.db)
        argv += ["--db", db if urls.is_url(db) else str(Path(db).expanduser().resolve())]
    if os.name == "nt":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


def _check_port(host: str, port: int) -> None:
    """Fail now, in one line, on a port that is taken or not ours to bind."""
    if not 0 < port < 65536:
        raise ServeError(f"--port {port}: give a port from 1 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except PermissionError:
            raise ServeError(
                f"{host}:{port}: not allowed to listen on this port; choose one above 1023 "
                "with --port"
            ) from None
        except OSError as exc:
            raise ServeError(
                f"{host}:{port}: cannot listen there ({exc.strerror}); another program "
                "(another fieldsales serve?) may hold the port: choose another with --port"
            ) from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    check_bind(args.host, args.allow_remote)
    _check_port(args.host, args.port)
    ctx.settings  # noqa: B018  (a bad config: one line now, not in every browser tab)
    ctx.engine.dispose()  # the database opens (and is migrated) before anyone connects
    try:
        from textual_serve.server import Server
    except ModuleNotFoundError:
        raise ServeError(
            "textual-serve is not installed: pip install 'textual-serve==1.1.3'"
        ) from None

    banner = f"Serving the app on {ctx.db_description}"

    class FieldsalesServer(Server):
        # the open tabs' sessions: stopped (their apps quit) when the server stops
        sessions: set[asyncio.Task[Any]] = set()  # noqa: RUF012  (one server a process)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            task = asyncio.current_task()
            assert task is not None
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def on_shutdown(self, app: web.Application) -> None:
            # textual-serve leaves the tabs' apps running when it stops (Ctrl+C,
            # SIGTERM): each would keep the database open. Cancelling a session
            # closes its websocket and tells its app to quit, and waits for it.
            for task in list(self.sessions):
                task.cancel()
            await asyncio.gather(*self.sessions, return_exceptions=True)

        # textual-serve prints and titles the page with the command, which may hold a
        # database URL: say it our way, with the password masked
        async def on_startup(self, app: web.Application) -> None:
            self.console.print(
                f"{banner} at {self.public_url}", markup=False, highlight=False, soft_wrap=True
            )
            if not is_loopback(args.host):
                self.console.print(
                    "No authentication: keep an authenticating proxy in front of this port.",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            self.console.print(
                "Press Ctrl+C to stop.", markup=False, highlight=False, soft_wrap=True
            )

    server = FieldsalesServer(
        app_command(ctx),
        host=args.host,
        port=args.port,
        title=TITLE,
        public_url=args.public_url,
    )
    server.serve()
    return 0
