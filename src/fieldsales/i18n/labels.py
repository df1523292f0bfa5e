"""Tables of labels: a stored id (stage, reason, channel, column…) to its words.

Each value is an English msgid marked with N_ (found by `pybabel extract`)
and translated when it is looked up, so one table serves every language:

    label(STAGES, "at_risk", "ja")  ->  "要注意"

An id a table does not know is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from fieldsales.i18n import N_, NP_, tr


def label(table: Mapping[str, str], value: str | None, lang: str) -> str:
    """The words for `value` in `lang`; `value` itself when the table has none."""
    if value is None:
        return ""
    message = table.get(value)
    return tr(message, lang) if message is not None else value


# stages of the method (domain.vocab.Stage)
STAGE_LABELS: dict[str, str] = {
    "active": N_("active"),
    "at_risk": N_("at risk"),
    "dormant_early": N_("dormant (early)"),
    "dormant_mid": N_("dormant (mid)"),
    "dormant_long": N_("dormant (long)"),
    "reactivating": N_("reactivating"),
    "revived": N_("revived"),
}

# churn signs (domain.churn.SIGNS) and the combined rules config.yaml ships
# (churn.rules); a rule a user adds is shown by its name
SIGN_LABELS: dict[str, str] = {
    "interval_growth": N_("past its interval"),
    "gaps_lengthening": N_("intervals growing"),
    "amount_drop": N_("purchases halved"),
    "amounts_shrinking": N_("orders shrinking"),
    "no_reaction": N_("no reaction"),
    "silent_9_months": N_("9 months silent, no reaction"),
    "halved_and_quiet": N_("halved and quiet"),
}

# main reasons of dormancy, in full (domain.vocab.Reason)
REASON_LABELS: dict[str, str] = {
    "product": N_("product dissatisfaction"),
    "price": N_("price dissatisfaction"),
    "customer_change": N_("customer-side change"),
    "forgotten": N_("simply forgotten"),
    "competitor": N_("switched to competitor"),
    "need_gone": N_("need disappeared"),
    "external": N_("external change"),
    "low_contact": N_("too little contact"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}

# the score's criteria (domain.scoring.CRITERIA)
CRITERION_LABELS: dict[str, str] = {
    "past_revenue": N_("past revenue"),
    "dormancy_length": N_("dormancy length"),
    "reason_solvable": N_("reason solvable"),
    "competitor_status": N_("competitor status"),
    "proximity": N_("proximity"),
    "digital_responsiveness": N_("digital response"),
}

# main reasons, short (list column)
REASON_SHORT: dict[str, str] = {
    "product": N_("product"),
    "price": N_("price"),
    "customer_change": N_("their change"),
    "forgotten": N_("forgotten"),
    "competitor": N_("competitor"),
    "need_gone": N_("need gone"),
    "external": N_("external"),
    "low_contact": N_("low contact"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}

# contact channels (domain.vocab.Channel)
CHANNEL_LABELS: dict[str, str] = {
    "visit": N_("Visit"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "dm": N_("DM"),
    "other": N_("Other"),
}

# how far a visit got (domain.vocab.VisitStage)
VISIT_STAGE_LABELS: dict[str, str] = {
    "none": N_("not met"),
    "met": N_("met the right person"),
    "heard": N_("got heard"),
    "next_action": N_("got a next action"),
}

# results of a contact (domain.vocab.Result)
RESULT_LABELS: dict[str, str] = {
    "no_answer": N_("no answer / not met"),
    "contacted": N_("contacted"),
    "interested": N_("interested"),
    "next_action": N_("next action agreed"),
    "appointment": N_("appointment"),
    "order": N_("order"),
    "refused": N_("refused"),
}

# the categories a criterion is scored from
CATEGORY_LABELS: dict[str, str] = {
    "unsolvable": N_("cannot be solved"),
    "hard": N_("hard to solve"),
    "partly": N_("partly solved"),
    "mostly": N_("mostly solved"),
    "solved": N_("solved"),
    "unknown": N_("unknown"),
    "long_contract": N_("long contract elsewhere"),
    "main_supplier": N_("competitor is main"),
    "partial": N_("uses a competitor partly"),
    "trial": N_("trying a competitor"),
    "none": N_("no competitor"),
    "never": N_("never reacts"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "very_high": N_("very high"),
}

# how precise an account's position is
GEO_MARKS: dict[str, str] = {
    "none": N_("no location"),
    "town": N_("≈ town"),
    "city": N_("≈ city"),
    "street": N_("street"),
    "building": N_("building"),
}

# how precise a position is, as a sentence names it ("precise to the street")
GEO_PRECISION_WORDS: dict[str, str] = {
    "building": N_("building"),
    "street": N_("street"),
    "town": N_("town (町丁目)"),
    "city": N_("municipality"),
    "none": N_("nothing (no position)"),
}

# where an account's position came from (Account.geo_source)
GEO_SOURCES: dict[str, str] = {
    "import": N_("imported"),
    "postal": N_("postal code"),
    "address": N_("address"),
    "nominatim": N_("geocoder"),
    "manual": N_("typed in"),
}

# the account list's columns
COLUMN_TITLES: dict[str, str] = {
    "rank": NP_("list position", "Rank"),
    "score": N_("Score"),
    "company": N_("Company / site"),
    "city": N_("City"),
    "distance": N_("Distance"),
    "stage": N_("Stage"),
    "reason": N_("Main reason"),
    "last_order": N_("Last order"),
    "months": N_("Mo"),
    "followup": N_("Follow-up"),
}

# keys: the footer, the help screen and the command palette, by binding id
BINDING_DESCRIPTIONS: dict[str, str] = {
    "help": N_("Help"),
    "quit": N_("Quit"),
    "search": N_("Search"),
    "open": N_("Open"),
    "log_outcome": N_("Log outcome"),
    "origin": N_("From…"),
    "filters": N_("Filters"),
    "followups": N_("Follow-ups"),
    "early_warning": N_("Early warning"),
    "show_all": N_("Do-not-contact and paused too"),
    "due_only": N_("Due only"),
    "sort": N_("Sort"),
    "sort_reverse": N_("Reverse"),
    "language": N_("日本語"),
    "settings": N_("Settings"),
    "about": N_("About"),
    "back": N_("Back"),
    "locate": N_("Locate"),
    "edit_hours": NP_("key", "Hours"),
    "edit_account": NP_("key", "Edit"),
    "account_changes": NP_("key", "Changes"),
    "revert_change": N_("Revert"),
    "edit_from_log": N_("Edit account"),
    "plan": N_("Plan"),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "clear": N_("Clear search"),
    "reload": N_("Reload"),
    "quit_home": N_("Quit"),
    "quit_first_run": N_("Quit"),
    "quit_escape": N_("Quit"),
    "back_q": N_("Back"),
    "origin_here": N_("From here"),
    "search_to_table": N_("To the list"),
    "search_enter": N_("To the list"),
    "cursor_up": N_("Up"),
    "cursor_down": N_("Down"),
    "page_up": N_("Page up"),
    "page_down": N_("Page down"),
    "first_row": N_("First"),
    "last_row": N_("Last"),
    "result_no_answer": N_("Result: no answer / not met"),
    "result_contacted": N_("Result: contacted"),
    "result_interested": N_("Result: interested"),
    "result_next_action": N_("Result: next action agreed"),
    "result_appointment": N_("Result: appointment"),
    "result_order": N_("Result: order"),
    "result_refused": N_("Result: refused"),
    "plan_reoptimise": N_("Re-optimise"),
    "plan_drop": N_("Drop"),
    "plan_lock": N_("Lock"),
    "plan_add": N_("Add best"),
    "plan_up": N_("Earlier"),
    "plan_down": N_("Later"),
    "plan_done": N_("Done"),
    "plan_skip": N_("Skip"),
    "plan_log": N_("Log outcome"),
    "plan_save": N_("Save"),
    "plan_qr": N_("QR"),
    "plan_qr_next": N_("Next leg"),
    "plan_qr_prev": N_("Previous leg"),
    "plan_map": N_("Map"),
    "plan_back": N_("Back"),
    "plan_new": N_("New plan"),
    "plan_day": N_("Day…"),
    "plan_next_day": N_("Next day"),
    "plan_prev_day": N_("Previous day"),
    "confirm_yes": N_("Yes"),
    "confirm_enter": N_("Yes"),
    "confirm_no": N_("No"),
    "undo_outcome": N_("Undo last"),
    "redo_outcome": N_("Take undo back"),
    "correct_outcome": N_("Correct entry"),
    "assign_account": N_("Assign"),
    "review": N_("Review"),
    "review_group": N_("Group by"),
    "review_period": N_("Period"),
    "review_month": N_("Month…"),
    "review_rep": N_("Rep"),
    "review_rank": N_("Rank"),
    "review_channel": N_("Channel"),
    "review_reason": N_("Reason"),
    "review_clear": N_("Clear filters"),
    "review_metric": N_("Chart metric"),
    "review_tab_kpi": N_("KPI table"),
    "review_tab_chart": N_("Chart"),
    "review_tab_rates": N_("Learned rates"),
    "review_routes": N_("Routes"),
    "review_download": N_("Download"),
    "download_xlsx": N_("Excel"),
    "download_csv": N_("CSV"),
    "review_tab_targets": N_("Targets"),
}

# the Plan screen's columns
PLAN_COLUMNS: dict[str, str] = {
    "seq": N_("#"),
    "time": N_("Time"),
    "company": N_("Company"),
    "rank": N_("Rank"),
    "km": N_("km"),
    "min": N_("Min"),
    "window": N_("Window"),
    "score": NP_("plan column", "Score"),
    "value": N_("Value"),
    "why": N_("Why"),
    "phone": N_("Phone"),
    "status": N_("Status"),
}

# why a stop or a call is in the plan
PLAN_WHY: dict[str, str] = {
    "follow-up": N_("follow-up"),
    "reacted": N_("reacted"),
    "nearby": N_("nearby"),
    "saved": N_("saved"),
    "appointment": NP_("why", "appointment"),
}

# a stop's time window
PLAN_FIT: dict[str, str] = {
    "appt": N_("appt"),
    "best": N_("best"),
    "outside": N_("outside"),
}

# a stop's mark in the plan
PLAN_STATUS_MARKS: dict[str, str] = {
    "done": N_("✓ done"),
    "skipped": N_("– skipped"),
}

# a stop's status in a notice
PLAN_STATUS_WORDS: dict[str, str] = {
    "done": N_("done"),
    "skipped": N_("skipped"),
    "planned": N_("open"),
}

# periods of the campaign review
REVIEW_PERIODS: dict[str, str] = {
    "this_week": N_("this week"),
    "last_week": N_("last week"),
    "this_month": N_("this month"),
    "last_month": N_("last month"),
    "all": N_("all time"),
}

# what the campaign review groups by
REVIEW_GROUPS: dict[str, str] = {
    "rank": N_("Rank"),
    "channel": N_("Channel"),
    "reason": N_("Reason"),
    "rep": N_("Rep"),
    "week": N_("Week"),
    "month": N_("Month"),
}

# the campaign review's KPI columns
REVIEW_COLUMNS: dict[str, str] = {
    "contacted": N_("Contacted"),
    "contact_rate": N_("Contact%"),
    "reach_rate": N_("Reach"),
    "response_rate": N_("Response"),
    "appointment_rate": N_("Appt"),
    "reactivation_rate": N_("Reactiv."),
    "close_rate": N_("Close"),
    "average_order": N_("Avg order"),
    "cost_per_reactivation": N_("Cost/react."),
    "roi": N_("ROI"),
    "retention_rate": N_("Retained"),
    "revenue": N_("Revenue"),
    "coverage": N_("Coverage"),
}

# the campaign review's tabs
REVIEW_TABS: dict[str, str] = {
    "kpi": N_("1 KPIs"),
    "chart": N_("2 Chart"),
    "rates": N_("3 Learned rates"),
    "targets": N_("4 Targets"),
}

# steps of the funnel
FUNNEL_STEPS: dict[str, str] = {
    "contacted": NP_("funnel step", "Contacted"),
    "reached": N_("Reached"),
    "appointed": N_("Appointment"),
    "ordered": N_("Order"),
}

# the learned rates' columns
RATES_COLUMNS: dict[str, str] = {
    "rank": N_("Rank"),
    "channel": N_("Channel"),
    "contacts": N_("Contacts"),
    "appts": N_("Appts"),
    "closes": N_("Closes"),
    "appt_prior": N_("Appt prior"),
    "appt_learned": N_("Appt learned"),
    "close_prior": N_("Close prior"),
    "close_learned": N_("Close learned"),
}

# the campaign targets' columns
TARGET_COLUMNS: dict[str, str] = {
    "react": N_("React."),
    "react_due": N_("Target\nto date"),
    "react_goal": N_("Goal"),
    "rev": N_("Revenue"),
    "rev_due": N_("Target\nto date"),
    "rev_goal": N_("Goal"),
}

# past routes' columns
ROUTE_COLUMNS: dict[str, str] = {
    "date": N_("Date"),
    "rep": N_("Rep"),
    "stops": N_("Visited"),
    "km": N_("km"),
    "planned_roi": N_("Planned ROI"),
    "actual_roi": N_("Actual ROI"),
    "revenue": N_("Revenue"),
    "reactivations": NP_("count", "Reactiv."),
}

# a past route's stops' columns
ROUTE_STOP_COLUMNS: dict[str, str] = {
    "seq": NP_("stop order", "#"),
    "account": N_("Account"),
    "status": N_("Stop"),
    "date": N_("Date"),
    "channel": N_("Channel"),
    "result": N_("Result"),
    "amount": N_("Amount"),
    "cost": N_("Cost"),
}

# a past route's stop status
ROUTE_STOP_STATUS: dict[str, str] = {
    "planned": N_("planned"),
    "done": NP_("route stop", "done"),
    "skipped": NP_("route stop", "skipped"),
}

# the drill-down's columns
DRILL_COLUMNS: dict[str, str] = {
    "date": N_("Date"),
    "rep": N_("Rep"),
    "account": N_("Account"),
    "channel": N_("Channel"),
    "result": N_("Result"),
    "amount": N_("Amount"),
    "cost": N_("Cost"),
}

# an account's history: what is not a contact
HISTORY_KINDS: dict[str, str] = {
    "last_order": N_("last order"),
    "first_order": N_("first order"),
}

# weekdays, Monday first (date.weekday())
WEEKDAYS: tuple[str, ...] = (
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)

# an account's own fields, as its history of changes names them (store.models.Account)
ACCOUNT_FIELD_LABELS: dict[str, str] = {
    "external_id": N_("external id"),
    "company": N_("company"),
    "company_kana": N_("company (kana)"),
    "site": N_("site"),
    "postal_code": N_("postal code"),
    "prefecture": N_("prefecture"),
    "city": N_("city"),
    "address": N_("address"),
    "lat": N_("latitude"),
    "lon": N_("longitude"),
    "geo_precision": N_("position precision"),
    "geo_source": N_("position source"),
    "industry": N_("industry"),
    "contact_name": N_("contact person"),
    "contact_title": N_("contact's title"),
    "phone": N_("phone"),
    "email": N_("email"),
    "owner_rep": N_("owner"),
    "lifetime_revenue": N_("lifetime revenue"),
    "average_order": N_("average order"),
    "gross_margin": N_("gross margin"),
    "first_order_date": N_("first order"),
    "last_order_date": N_("last order"),
    "last_product": N_("last product"),
    "purchase_cycle_days": N_("purchase cycle (days)"),
    "main_reason": N_("main reason"),
    "other_reasons": N_("other reasons"),
    "reason_solvable": N_("how solved"),
    "competitor_status": N_("competitor status"),
    "competitor_name": N_("competitor"),
    "digital_responsiveness": N_("digital response"),
    "do_not_contact": N_("do not contact"),
    "notes": N_("notes"),
    "closed_weekdays": N_("closed weekdays"),
    "opens_at": N_("opens at"),
    "closes_at": N_("closes at"),
    "merged_account": N_("merged duplicate"),
}

# the columns of an account's history of changes
CHANGE_COLUMNS: dict[str, str] = {
    "when": N_("When"),
    "field": N_("Field"),
    "old": N_("Before"),
    "new": N_("After"),
    "source": N_("Changed by"),
}

# where a change came from (AccountChange.source, before its ":")
CHANGE_SOURCES: dict[str, str] = {
    "import": N_("import"),
    "app": N_("app"),
    "sync": N_("sync"),
}
