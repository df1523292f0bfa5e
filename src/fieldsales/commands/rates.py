"""`fieldsales rates`: appointment and close rates learned from logged outcomes."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Per rank (and per channel within it): the config.yaml rate (prior), what was
logged (accounts contacted, appointments, closes) and the learned rate, shrunk
toward the prior with the weight roi.prior_strength. With no outcomes the
learned rates equal the config rates. Ranks are today's, from the office.

examples:
  fieldsales rates
  fieldsales rates --json
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "rates",
        help="appointment and close rates: config, observed and learned",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=run)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def run(args: argparse.Namespace, ctx: Context) -> int:
    from rich import box
    from rich.table import Table

    from fieldsales.services.rates import rate_table

    rows = rate_table(ctx.engine, ctx.settings)
    if args.json:
        out = [
            {
                "rank": r.rank,
                "channel": r.channel,
                "contacts": r.counts.contacts,
                "appointments": r.counts.appointments,
                "closes": r.counts.closes,
                "prior_appointment_rate": r.prior_appointment,
                "appointment_rate": r.appointment,
                "prior_close_rate": r.prior_close,
                "close_rate": r.close,
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2))
        return 0
    strength = ctx.settings.roi.prior_strength
    table = Table(
        title=f"Learned rates (prior strength {strength:g})",
        box=box.SIMPLE,
        pad_edge=False,
        collapse_padding=True,
    )
    for name in ("rank", "channel", "contacts", "appts", "closes"):
        table.add_column(
            name, justify="left" if name in ("rank", "channel") else "right", no_wrap=True
        )
    for name in ("appt\nprior", "appt\nlearned", "close\nprior", "close\nlearned"):
        table.add_column(name, justify="right", no_wrap=True, min_width=7)
    for r in rows:
        c = r.counts
        table.add_row(
            r.rank if r.channel == "all" else "",
            r.channel,
            str(c.contacts),
            str(c.appointments),
            str(c.closes),
            _pct(r.prior_appointment),
            _pct(r.appointment),
            _pct(r.prior_close),
            _pct(r.close),
            style="bold" if r.channel == "all" else None,
            end_section=r.channel == "dm",
        )
    ctx.console.print(table)
    return 0
