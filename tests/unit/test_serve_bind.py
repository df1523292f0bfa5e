"""Which addresses `fieldsales serve` binds without --allow-remote: this machine only."""

from __future__ import annotations

import pytest

from fieldsales.commands.serve import ServeError, check_bind, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_this_machine_only_is_served_without_the_flag(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, allow_remote=False)  # no error


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "2001:db8::1"])
def test_other_addresses_need_the_flag(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ServeError) as refused:
        check_bind(host, allow_remote=False)
    assert refused.value.line.startswith(f"--host {host} is reachable from other machines")
    assert "\n" not in str(refused.value)
    check_bind(host, allow_remote=True)  # said explicitly: allowed


def test_a_name_that_does_not_resolve_is_one_line() -> None:
    with pytest.raises(ServeError, match=r"--host no-such-host\.invalid: no such address"):
        check_bind("no-such-host.invalid", allow_remote=False)
