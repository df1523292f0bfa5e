"""`fieldsales` opens the app in a terminal (a pseudo-terminal here), as a rep
starts it: the list is painted, `l 2 Ctrl+S` typed in one go is saved, and
Ctrl+Q quits (issue 19: the start was reordered, the ranking before Textual
and SQLAlchemy's engine in a thread; tui/launch.py)."""

from __future__ import annotations

import fcntl
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any

LIMIT = 90.0  # seconds: a loaded test machine is slow to start Python and Textual


class Terminal:
    """A pseudo-terminal of 120x40 running `argv`; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.output = b""
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def shows(self, text: str) -> bool:
        return text.encode() in self.output

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def until(done: Any, what: str, term: Terminal) -> None:
    t0 = time.monotonic()
    while not done():
        if term.proc.poll() is not None or time.monotonic() - t0 > LIMIT:
            tail = term.output[-2000:].decode(errors="replace")
            raise AssertionError(f"{what}: not seen; the terminal's last output:\n{tail}")
        time.sleep(0.05)


def outcomes(db: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT account_id, channel, result FROM outcome").fetchall()


def test_fieldsales_paints_the_list_and_keeps_l_2_ctrl_s_typed_in_one_go(
    book: Any, engine: Any, tmp_path: Path
) -> None:
    db = str(engine.url.database)
    before = outcomes(db)
    config = tmp_path / "config.yaml"
    config.write_text("rep: Sato\n", encoding="utf-8")  # no first-run dialog
    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "FIELDSALES_HOME": str(tmp_path / "home"),
        "FIELDSALES_CONFIG": str(config),
        "TERM": "xterm-256color",
    }
    term = Terminal([sys.executable, "-m", "fieldsales", "--db", db], env)
    try:
        until(lambda: term.shows("丸の内精機"), "the ranked list", term)  # the top account
        term.type(b"l2\x13")  # l, 2, Ctrl+S: no waiting for the dialog
        until(lambda: len(outcomes(db)) > len(before), "the outcome saved", term)
        [(account, channel, result)] = [r for r in outcomes(db) if r not in before]
        assert (account, channel, result) == (book["big"].id, "phone", "contacted")
        term.type(b"\x11")  # Ctrl+Q
        until(lambda: term.proc.poll() is not None, "the app quitting", term)
        assert term.proc.returncode == 0
    finally:
        term.close()


def test_fieldsales_applies_a_sort_a_move_and_a_log_typed_as_the_list_shows(
    book: Any, engine: Any, tmp_path: Path
) -> None:
    """Keys typed the moment the list is painted, while what waits for the first
    paint (SQLAlchemy's engine, the warm-up) starts: `s s s Down l 2 Ctrl+S` sorts
    the list by company (the third sort), moves to its second account and logs a
    call on it, in order."""
    from fieldsales.config import default_settings
    from fieldsales.services.rank import RankFilter, filter_ranked, rank_accounts
    from fieldsales.tui.widgets.account_table import sort_rows

    db = str(engine.url.database)
    before = outcomes(db)
    config = tmp_path / "config.yaml"
    config.write_text("rep: Sato\n", encoding="utf-8")
    settings = default_settings()
    office = (settings.office.lat, settings.office.lon)
    ranked = rank_accounts(engine, settings, origin=office, filters=RankFilter(show_all=True))
    shown = filter_ranked(ranked, RankFilter(), ranked.base.today)
    listed = sort_rows(shown, "company", False)
    second = listed[1].id
    assert second != shown[1].id  # a lost `s` would log on another account
    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "FIELDSALES_HOME": str(tmp_path / "home"),
        "FIELDSALES_CONFIG": str(config),
        "TERM": "xterm-256color",
    }
    term = Terminal([sys.executable, "-m", "fieldsales", "--db", db], env)
    try:
        until(lambda: term.shows("丸の内精機"), "the ranked list", term)
        term.type(b"sss\x1b[Bl2\x13")  # s s s, Down, l, 2, Ctrl+S in one go
        until(lambda: len(outcomes(db)) > len(before), "the outcome saved", term)
        [(account, channel, result)] = [r for r in outcomes(db) if r not in before]
        assert (account, channel, result) == (second, "phone", "contacted")
        term.type(b"\x11")
        until(lambda: term.proc.poll() is not None, "the app quitting", term)
        assert term.proc.returncode == 0
    finally:
        term.close()
