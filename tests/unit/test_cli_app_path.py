"""Opening the app reads `--config` and `--db` without importing every command;
anything else goes to the full parser, which decides as it always did."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fieldsales.cli import _only_global_options, build_parser


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "x.db"],
        ["--db=x.db"],
        ["--config", "c.yaml", "--db", "x.db"],
        ["--db", "a", "--db", "b"],
    ],
)
def test_the_app_path_reads_what_the_full_parser_reads(argv: list[str]) -> None:
    quick = _only_global_options(argv)
    full = build_parser().parse_args(argv)
    assert quick is not None
    assert (quick.command, quick.db, quick.config) == (full.command, full.db, full.config)


@pytest.mark.parametrize(
    "argv",
    [
        ["rank"],
        ["--db", "x.db", "rank", "--top", "3"],
        ["--help"],
        ["-h"],
        ["--version"],
        ["--db"],
        ["--d", "x.db"],  # an abbreviation: the full parser's to accept
        ["--db", "x.db", "--nonsense"],
    ],
)
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert _only_global_options(argv) is None


def test_the_app_path_imports_no_command() -> None:
    code = (
        "import sys\n"
        "from fieldsales import cli\n"
        "assert cli._only_global_options(['--db', 'x.db']) is not None\n"
        "loaded = [m for m in sys.modules if m.startswith('fieldsales.commands.')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
