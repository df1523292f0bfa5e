"""`fieldsales serve` as a real child process on a free loopback port, on its own home
(demo database, config, downloads), stopped with SIGTERM afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 60  # a loaded 2-core machine: the server imports aiohttp and opens the db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fieldsales_env(home: Path) -> dict[str, str]:
    """This environment (PYTHONPATH included: the tree under test) with its own home."""
    env = dict(os.environ)
    env["FIELDSALES_HOME"] = str(home)
    env.pop("FIELDSALES_CONFIG", None)
    return env


def run_fieldsales(
    home: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldsales", *args],
        capture_output=True,
        text=True,
        env=fieldsales_env(home),
        timeout=timeout,
    )


def processes_running(text: str) -> list[int]:
    """Process ids whose command line holds `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


@dataclass
class Served:
    url: str
    port: int
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve(home: Path, *args: str, port: int | None = None) -> Iterator[Served]:
    """`python -m fieldsales ARGS serve --port PORT`, once it accepts connections."""
    port = port or free_port()
    log = home / f"serve-{port}.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fieldsales", *args, "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=fieldsales_env(home),
        )
    served = Served(f"http://127.0.0.1:{port}", port, process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise AssertionError(f"fieldsales serve exited: {served.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"fieldsales serve not listening: {served.output()}"
                    ) from None
                time.sleep(0.2)
        yield served
    finally:
        process.terminate()  # textual-serve stops on SIGTERM, and its apps with it
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def demo_home(isolated_home: Path) -> Path:
    """A home with the demo database built and a config naming the rep (no first-run
    dialog in the browser)."""
    built = run_fieldsales(isolated_home, "demo", "--no-tui")
    assert built.returncode == 0, built.stderr
    (isolated_home / "lead.yaml").write_text("rep: Sato\n", encoding="utf-8")
    return isolated_home


@pytest.fixture
def served_demo(demo_home: Path) -> Iterator[Served]:
    """`fieldsales --config lead.yaml --demo serve` on a free port."""
    with serve(demo_home, "--config", str(demo_home / "lead.yaml"), "--demo") as served:
        yield served
