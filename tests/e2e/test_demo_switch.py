"""`--demo`: every command on the demo database, the README's second line after the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_demo_switch_refuses_in_one_line_before_the_demo_exists(
    fieldsales: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    for argv in (("--demo", "rank", "--top", "20"), ("rank", "--demo"), ("--demo",)):
        result = fieldsales(home, *argv)
        assert result.returncode == 1
        assert result.stderr == "error: no demo database yet: run `fieldsales demo`\n"
    assert not (home / "data" / "demo.db").exists()


def test_demo_switch_ranks_the_demo_and_the_empty_database_names_both_ways(
    fieldsales: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    empty = fieldsales(home, "rank", "--top", "20")
    assert empty.returncode == 0
    assert "fieldsales import FILE" in empty.stdout and "--demo" in empty.stdout
    assert fieldsales(home, "demo", "--no-tui").returncode == 0
    for argv in (("--demo", "rank", "--top", "20"), ("rank", "--top", "20", "--demo")):
        ranked = fieldsales(home, *argv)
        assert ranked.returncode == 0, ranked.stderr
        assert "Ranked from Office: 20 of " in ranked.stdout
    both = fieldsales(home, "--demo", "--db", str(home / "data" / "fieldsales.db"), "rank")
    assert both.returncode == 1 and "--demo and --db" in both.stderr
    # a filter that matches nothing is not an empty database
    none = fieldsales(home, "--demo", "rank", "--search", "no such company at all")
    assert none.stdout.strip() == "No accounts match these filters."
