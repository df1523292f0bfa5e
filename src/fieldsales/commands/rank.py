"""`fieldsales rank`: the ranked list of accounts, as a table or JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from fieldsales.context import Context

EXAMPLE = """\
examples:
  fieldsales rank --top 20
  fieldsales rank --from 35.6895,139.6917 --within 10 --rank A,B
  fieldsales rank --from C00042 --stage dormant_early,dormant_mid --json
  fieldsales rank --signals              # early warning: at risk, or slipping (churn signs)
"""

RANK_STYLE = {
    "A": "bold white on red",
    "B": "bold black on yellow",
    "C": "black on cyan",
    "D": "white on grey37",
}
PRECISION_MARK = {"town": "≈town", "city": "≈city", "none": "no location"}


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def register(sub: Any) -> None:
    p = sub.add_parser(
        "rank",
        help="rank dormant accounts by weighted score and distance",
        description="Rank accounts by the six-criterion score (docs/method.md, 'Score and ranks'), "
        "proximity measured from the reference point. Do-not-contact accounts never appear.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--from",
        dest="origin",
        metavar="office|ACCOUNT|POSTAL|ADDRESS|LAT,LON",
        default="office",
        help="reference point for proximity: the office in config (default), an account, "
        "a postal code or an address (located offline), or LAT,LON",
    )
    p.add_argument(
        "--top", type=int, default=20, metavar="N", help="show the best N (default 20; 0 = all)"
    )
    p.add_argument("--rank", metavar="A,B", help="only these ranks")
    p.add_argument(
        "--stage", metavar="STAGE,...", help="only these stages, e.g. dormant_early,dormant_mid"
    )
    p.add_argument("--reason", metavar="REASON,...", help="only these main dormancy reasons")
    p.add_argument("--prefecture", metavar="NAME,...", help="only these prefectures, e.g. 東京都")
    p.add_argument("--owner", metavar="REP", help="only accounts owned by this rep")
    p.add_argument(
        "--within", type=float, metavar="KM", help="only accounts within KM of the reference point"
    )
    p.add_argument(
        "--due", action="store_true", help="only accounts with a follow-up due today or overdue"
    )
    p.add_argument(
        "--search", metavar="TEXT", default="", help="company name contains TEXT (kana/kanji/latin)"
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help="rank as of this day (default: today)")
    p.add_argument(
        "--signals",
        action="store_true",
        help="early warning: only accounts at risk or showing churn signs (not yet dormant), "
        "with the signs and P(alive) as columns",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON for scripts")
    out.add_argument(
        "--csv",
        action="store_true",
        help="print CSV (one line per account, the breakdown as columns); "
        "with --top 0 every matching account, streamed",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.domain.clock import today_in
    from fieldsales.domain.vocab import Reason, Stage
    from fieldsales.services.rank import (
        OriginError,
        RankFilter,
        rank_accounts,
        rank_top,
        resolve_origin,
    )

    settings = ctx.settings
    stages, reasons = _csv(args.stage), _csv(args.reason)
    for value, allowed, what in ((stages, Stage, "stage"), (reasons, Reason, "reason")):
        bad = [v for v in value if v not in allowed.__members__]
        if bad:
            ctx.err.print(
                f"unknown {what} {', '.join(bad)}; choose from {', '.join(allowed.__members__)}"
            )
            return 2
    ranks = [r.upper() for r in _csv(args.rank)]
    if any(r not in "ABCD" or len(r) != 1 for r in ranks):
        ctx.err.print(f"--rank takes letters A-D, got {args.rank}")
        return 2
    try:
        today = date.fromisoformat(args.date) if args.date else today_in(ctx.settings.zone())
    except ValueError:
        ctx.err.print(f"--date must be YYYY-MM-DD, got {args.date}")
        return 2
    try:
        label, lat, lon = resolve_origin(args.origin, ctx.source, settings)
    except OriginError as exc:
        ctx.err.print(f"--from {exc}")
        return 2
    filt = RankFilter(
        ranks=ranks,
        stages=stages,
        reasons=reasons,
        prefectures=_csv(args.prefecture),
        owner=args.owner,
        within_km=args.within,
        due_followups=args.due,
        search=args.search,
    )
    signals = args.signals or "at_risk" in stages
    if args.top > 0 and not args.signals:  # the best N: no need to order every account
        shown, matching = rank_top(
            ctx.source, settings, origin=(lat, lon), filters=filt, top=args.top, today=today
        )
    else:
        items = rank_accounts(ctx.source, settings, origin=(lat, lon), filters=filt, today=today)
        if args.signals:
            from fieldsales.services.early_warning import watch_list

            items = watch_list(items)
        shown, matching = (items[: args.top] if args.top > 0 else items), len(items)
    if args.json or args.csv:
        from fieldsales.commands.listing_output import write_csv, write_json
    if args.json:
        write_json(sys.stdout, shown, label, lat, lon, matching, settings)
        return 0
    if args.csv:
        write_csv(sys.stdout, shown, settings)
        return 0
    if not matching and _no_accounts(ctx):
        ctx.console.print(EMPTY_DATABASE, markup=False, highlight=False, soft_wrap=True)
        return 0
    _print_table(ctx, shown, label, matching, settings.language, signals)
    return 0


# Both ways to data, for a newcomer who ran `fieldsales demo` then the README's next line
EMPTY_DATABASE = (
    "This database has no accounts yet. Import yours with `fieldsales import FILE.csv`, "
    "or rank the demo data with `fieldsales --demo rank` (after `fieldsales demo`)."
)


def _no_accounts(ctx: Context) -> bool:
    from fieldsales.store.reads import account_count

    return account_count(ctx.source) == 0


# (name, justify, terminal width it needs): columns a narrow terminal cannot
# hold are left out rather than wrapped; one line per account.
TABLE_COLUMNS = (
    ("#", "right", 0),
    ("rank", "center", 0),
    ("total", "right", 0),
    ("breakdown", "left", 0),
    ("company", "left", 0),
    ("km", "right", 0),
    ("stage", "left", 100),
    ("city", "left", 120),
    ("reason", "left", 135),
    ("months", "right", 110),
)
SQUEEZABLE = {"company", "city", "reason", "signs"}
# with --signals (or --stage at_risk): the churn signs that fired and P(alive)
SIGNAL_COLUMNS = (("P(alive)", "right", 0), ("signs", "left", 0))


def _signal_cells(items: Sequence[Any], lang: str) -> list[dict[str, str]]:
    from fieldsales.i18n.labels import SIGN_LABELS
    from fieldsales.i18n.labels import label as vlabel
    from fieldsales.services.early_warning import listing_fields

    out: list[dict[str, str]] = []
    positions = [int(p) for p in getattr(items, "indices", ())]
    if not positions:
        return out
    cols = listing_fields(items)(positions)  # type: ignore[arg-type]
    for alive, signs in zip(cols["p_alive"], cols["signals"], strict=True):
        out.append(
            {
                "P(alive)": "" if alive is None else f"{alive:.0%}",
                "signs": ", ".join(vlabel(SIGN_LABELS, s, lang) for s in signs),
            }
        )
    return out


def breakdown_caption() -> str:
    """What the breakdown column's numbers are, in the registry's order."""
    from fieldsales.domain import criteria

    return f"breakdown = {'·'.join(c.short for c in criteria.active())} (1-10)"


def _print_table(
    ctx: Context, items: Sequence[Any], label: str, total: int, lang: str, signals: bool = False
) -> None:
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from fieldsales.i18n.labels import REASON_LABELS, STAGE_LABELS
    from fieldsales.i18n.labels import label as vlabel

    if not items:
        ctx.console.print("No accounts match these filters.")
        return
    width = ctx.console.width
    # the signs take the breakdown's place: the early-warning list is read by its signs
    columns = (
        tuple(c for c in TABLE_COLUMNS if c[0] != "breakdown") + SIGNAL_COLUMNS
        if signals
        else TABLE_COLUMNS
    )
    shown = [c for c in columns if width >= c[2]]
    watch = _signal_cells(items, lang) if signals else None
    table = Table(
        title=f"Ranked from {label}: {len(items)} of {total} accounts",
        caption=None if signals else breakdown_caption(),
    )
    rows: list[dict[str, str]] = []
    for i, a in enumerate(items, 1):
        if a.distance_km is None:
            km = "no location"
        else:
            mark = PRECISION_MARK.get(a.geo_precision)
            km = f"{a.distance_km:.1f}" + (f" {mark}" if mark else "")
        cells = {
            "#": str(i),
            "rank": f"[{RANK_STYLE[a.score.rank]}] {a.score.rank} [/]",
            "total": f"{a.score.total:g}",
            "breakdown": "·".join(
                "-" if c.score is None else str(c.score) for c in a.score.criteria
            ),
            "company": a.company + (f" {a.site}" if a.site else ""),
            "city": a.city or "",
            "km": km,
            "stage": vlabel(STAGE_LABELS, a.stage, lang),
            "reason": vlabel(REASON_LABELS, a.main_reason, lang),
            "months": "" if a.months_dormant is None else f"{a.months_dormant:.0f}",
        }
        if watch is not None:
            cells.update(watch[i - 1])
        rows.append(cells)
    # Numbers, ranks and stages are always shown whole; only names and places
    # give way (ellipsis) on a narrow terminal, the widest first.
    widths = {
        name: max([cell_len(name)] + [cell_len(Text.from_markup(r[name]).plain) for r in rows])
        for name, _, _ in shown
    }
    budget = ctx.console.width - (3 * len(shown) + 1)  # borders and padding
    squeeze = [n for n, _, _ in shown if n in SQUEEZABLE]
    excess = sum(widths.values()) - budget
    while excess > 0 and squeeze:
        widest = max(squeeze, key=lambda n: widths[n])
        if widths[widest] <= max(cell_len(widest), 6):
            break
        widths[widest] -= 1
        excess -= 1
    for name, just, _ in shown:
        table.add_column(
            name,
            justify=just,  # type: ignore[arg-type]
            no_wrap=True,
            overflow="ellipsis",
            width=widths[name],
        )
    for cells in rows:
        table.add_row(*(cells[name] for name, _, _ in shown))
    ctx.console.print(table)
