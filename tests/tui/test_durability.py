"""No logged outcome is ever lost: after the save notification, SIGKILL leaves it in the database."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import sqlalchemy as sa

from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from fieldsales.config import default_settings
    from fieldsales.store.db import open_engine
    from fieldsales.tui.app import make_app

    async def main():
        app = make_app(default_settings(), open_engine(sys.argv[1]))
        shown, notify = [], app.notify

        def record(message, *args, **kwargs):
            shown.append(str(message))
            notify(message, *args, **kwargs)

        app.notify = record
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.loaded:
                await pilot.pause(0.05)
            await pilot.press("l")
            await pilot.pause(0.2)
            await pilot.press("4", "ctrl+s")
            while not any("Outcome saved" in m for m in shown):
                await pilot.pause(0.02)
            print("SAVED", flush=True)
            await asyncio.sleep(60)  # still running: the parent kills it here

    asyncio.run(main())
    """
)


def test_outcome_survives_sigkill_after_the_notification(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    engine = open_engine(db)
    with session_scope(engine) as s:
        s.add(Account(company="Kill Test KK", match_key="kill", lat=35.68, lon=139.76))
    engine.dispose()
    env = {**os.environ, "FIELDSALES_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        deadline = time.monotonic() + 60
        line = b""
        while time.monotonic() < deadline and b"SAVED" not in line:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
        assert b"SAVED" in line, (
            proc.stderr.read().decode() if proc.poll() is not None else "timeout"
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    engine = open_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT channel, result FROM outcome")).all()
    assert rows == [("phone", "next_action")]
