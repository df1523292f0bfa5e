"""One module per CLI command. Each exposes `register(subparsers)`; the parser
it adds sets `func=run` where `run(args, ctx) -> int` returns the exit code.

To add a command: create the module and list it in `COMMANDS` (cli.py).
"""
