"""Start-up: `fieldsales COMMAND ...` imports the module of that command only;
the program's help and a mistyped command still see every command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fieldsales.cli import _parser_for

PROBE = """
import sys
from fieldsales.cli import _parser_for
_parser_for(sys.argv[1:]).parse_args(sys.argv[1:])
print(sorted(m for m in sys.modules if m.startswith("fieldsales.commands.")))
"""


def test_a_command_imports_only_its_own_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", "x.db", "rank", "--json", "--top", "5"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "['fieldsales.commands.rank']"


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["import-orders", "f.csv"], "import-orders"),
        (["--config", "c.yaml", "import", "a.csv"], "import"),
        (["config", "check"], "config"),
        (["--demo", "export-log", "-o", "x.jsonl"], "export-log"),
    ],
)
def test_the_named_command_parses_as_with_every_command(argv: list[str], command: str) -> None:
    from fieldsales.cli import build_parser

    lazy = _parser_for(argv).parse_args(argv)
    full = build_parser().parse_args(argv)
    assert lazy.command == full.command == command
    assert {k: v for k, v in vars(lazy).items() if k != "func"} == {
        k: v for k, v in vars(full).items() if k != "func"
    }


def test_help_and_mistakes_list_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["-h", "rank"], ["rnak"]):
        with pytest.raises(SystemExit):
            _parser_for(argv).parse_args(argv)
        shown = capsys.readouterr()
        text = shown.out + shown.err
        assert "import-orders" in text and "serve" in text, argv
