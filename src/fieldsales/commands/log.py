"""`fieldsales log`: log an outcome from a script, with the log dialog's rules."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Append one outcome (a call, visit, email, DM or order) to the account's log,
checked by the same rules as the app's log dialog. ACCOUNT is the account's
id, external id or a unique id prefix. An order counts for the saved route
that visited the account within roi.attribution_days. A refusal that pauses
the account (the second one) needs --yes.

results: no_answer contacted interested next_action appointment order refused

examples:
  fieldsales log C00042 --channel phone --result contacted
  fieldsales log C00042 --channel visit --result next_action --stage next_action \\
      --next "demo at their office" --due +7
  fieldsales log C00042 --channel visit --result order --amount 1,200,000 --date 2026-11-18
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "log",
        help="log an outcome (call, visit, email, DM, order) for an account",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("account", metavar="ACCOUNT", help="account id, external id or id prefix")
    p.add_argument("--channel", metavar="visit|phone|email|dm", help="how (required)")
    p.add_argument("--result", metavar="RESULT", help="what happened (required; see above)")
    p.add_argument(
        "--stage", default="none", metavar="met|heard|next_action", help="how far a visit got"
    )
    p.add_argument("--next", default="", metavar="TEXT", help="the next action agreed")
    p.add_argument("--due", default="", metavar="DATE", help="its due date: YYYY-MM-DD or +days")
    p.add_argument("--amount", default="", metavar="YEN", help="order amount (an order only)")
    p.add_argument("--cost", default="", metavar="YEN", help="what the contact cost")
    p.add_argument("--minutes", default="", metavar="N", help="how long it took")
    p.add_argument("--notes", default="", metavar="TEXT")
    p.add_argument("--date", default="", metavar="DATE", help="the day it happened (default today)")
    p.add_argument("--rep", metavar="NAME", help="who logged it (default: config rep)")
    p.add_argument("--yes", action="store_true", help="confirm a refusal that pauses the account")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.domain.clock import today_in
    from fieldsales.i18n.labels import STAGE_LABELS, label
    from fieldsales.services.outcome_form import OutcomeError, OutcomeForm, outcome_from_form
    from fieldsales.services.outcomes import PauseNotConfirmed, find_account, log_outcome

    settings = ctx.settings
    today = today_in(settings.zone())  # the rep's day in config `timezone`
    if not args.channel:
        print("log: --channel is required (visit, phone, email or dm)", file=sys.stderr)
        return 2
    try:
        account = find_account(ctx.engine, args.account)
        if account is None:
            raise OutcomeError(f"{args.account}: no such account (id, external id or id prefix)")
        form = OutcomeForm(
            account_id=account[0],
            channel=args.channel,
            result=args.result,
            visit_stage=args.stage,
            next_action=args.next,
            due=args.due,
            amount=args.amount,
            cost=args.cost,
            minutes=args.minutes,
            notes=args.notes,
            day=args.date,
            rep=args.rep,
        )
        data = outcome_from_form(form, today, zone=settings.zone())
        saved = log_outcome(ctx.engine, settings, data, today=today, confirm_pause=args.yes)
    except OutcomeError as exc:
        hint = "; add --yes to log it" if isinstance(exc, PauseNotConfirmed) else ""
        text = str(exc).removesuffix("; confirm to log it")
        print(f"log: {text}{hint}", file=sys.stderr)  # one line, never wrapped
        return 2
    parts = [f"logged {data.channel} {data.result} for {account[1]}"]
    parts.append(f"stage {label(STAGE_LABELS, saved.stage, 'en')}")
    if saved.contact.is_paused(today) and saved.contact.paused_until:
        parts.append(f"not proposed until {saved.contact.paused_until.isoformat()}")
    elif saved.contact.next_followup:
        parts.append(f"next follow-up {saved.contact.next_followup.isoformat()}")
    print(", ".join(parts))
    return 0
