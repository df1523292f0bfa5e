"""`fieldsales serve` as a real process: it listens on the loopback interface only, serves
the page and the app's assets there, refuses an address other machines reach unless told,
and never prints a database password."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port, run_fieldsales, serve


def _listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (Linux /proc/net)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    words = [bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8)]
                    found.add(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return found


def test_serves_the_app_on_loopback_only(demo_home: Path) -> None:
    with serve(demo_home, "--config", str(demo_home / "lead.yaml"), "--demo") as served:
        assert _listening_addresses(served.port) == {"127.0.0.1"}
        with urllib.request.urlopen(served.url + "/", timeout=20) as response:
            page = response.read().decode()
        # the page names the app (not the command it runs) and connects back to this address
        assert f"ws://127.0.0.1:{served.port}/ws" in page
        assert "<div>fieldsales</div>" in page
        assert "-m fieldsales" not in page
        with urllib.request.urlopen(served.url + "/static/js/textual.js", timeout=20) as js:
            assert js.status == 200
    output = served.output()
    demo_db = demo_home / "data" / "demo.db"
    assert f"Serving the app on {demo_db} at http://127.0.0.1:{served.port}" in output
    assert served.process.returncode is not None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_refuses_an_address_other_machines_reach(demo_home: Path, host: str) -> None:
    port = free_port()
    result = run_fieldsales(demo_home, "--demo", "serve", "--host", host, "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: --host {host} is reachable from other machines")
    assert "no authentication" in lines[0]
    assert "--allow-remote" in lines[0]
    assert _listening_addresses(port) == set()  # nothing was bound, not even for a moment


def test_a_taken_port_is_one_line(demo_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_fieldsales(demo_home, "--demo", "serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: 127.0.0.1:{port}: cannot listen there (Address already in use); another "
        "program (another fieldsales serve?) may hold the port: choose another with --port"
    ]


def test_a_database_password_is_never_printed(demo_home: Path) -> None:
    # nothing listens on port 1: the database does not open, and the line says so masked
    url = "postgresql+psycopg://lead:s3cret-pw@127.0.0.1:1/sales?password=s3cret-pw"
    result = run_fieldsales(demo_home, "--db", url, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
