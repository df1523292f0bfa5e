"""`fieldsales --db postgresql://user:password@... serve` on the test server: the served app
opens the team database the command names, and the password shows nowhere: not in what
the command prints, not in the page, not in the app's Settings screen in the browser tab.

The tab is a websocket client speaking textual-serve's protocol (what the browser's
textual.js sends: a resize, then keys as stdin); the terminal output is searched for text.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aiohttp import ClientSession, WSMsgType

PASSWORD = "s3cret-pw"
F3 = "\x1bOR"  # the Settings screen: it names the database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _tab_shows(url: str, text: str, timeout: float = 60) -> str:
    """Open a tab's websocket, press F3 once the app drew, return the output up to `text`."""
    seen = ""
    async with ClientSession() as http, http.ws_connect(f"{url}/ws?width=120&height=40") as ws:
        await ws.send_json(["resize", {"width": 120, "height": 40}])
        deadline = time.monotonic() + timeout
        pressed = False
        while text not in seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} not shown; the tab showed {seen[-2000:]!r}"
            try:
                msg = await ws.receive(timeout=min(left, 2))
            except TimeoutError:
                msg = None
            if msg is not None and msg.type == WSMsgType.BINARY:
                seen += msg.data.decode("utf-8", errors="replace")
            elif msg is not None and msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED):
                raise AssertionError(f"the tab closed: {seen[-2000:]!r}")
            if not pressed and "accounts" in seen:  # the home screen is up
                await ws.send_json(["stdin", F3])
                pressed = True
    return seen


def test_served_app_opens_the_named_database_and_never_shows_its_password(
    pg_url: str, tmp_path: Path
) -> None:
    base, name = pg_url.rsplit("/", 1)
    # the test server trusts every login: the password is accepted and never needed
    url = base.replace("postgresql://fieldsales@", f"postgresql+psycopg://fieldsales:{PASSWORD}@")
    url = f"{url}/{name}"
    env = dict(os.environ, FIELDSALES_HOME=str(tmp_path / "home"))
    config = tmp_path / "lead.yaml"
    config.write_text("rep: Sato\n", encoding="utf-8")
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "fieldsales", "--config", str(config), "--db", url,
             "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        served = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(served + "/", timeout=20) as page:
            assert PASSWORD not in page.read().decode()
        shown = asyncio.run(
            _tab_shows(served, f"fieldsales:***@127.0.0.1:{base.rsplit(':', 1)[1]}/{name}")
        )
        assert PASSWORD not in shown
    finally:
        server.terminate()
        server.wait(timeout=20)
    printed = log.read_text()
    assert "Serving the app on postgresql+psycopg://fieldsales:***@127.0.0.1" in printed
    assert PASSWORD not in printed
